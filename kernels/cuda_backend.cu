// The CUDA backend (include/horizon/cuda_backend.hpp): picks a trajectory
// path for the problem, splits the runs into batches that fit the device,
// runs them, and scores the checkpoints on the host with the same code as the
// CPU backend (score_results).
//
// Batching rule: batch = ⌊0.8 · free device memory / bytes per run⌋ (the
// solver's own count of state, workspace and outputs per run; the problem
// itself is already resident), at least 1, at most max_batch_runs when set
// and at most 2^20. If a batch's allocation still fails
// (cudaErrorMemoryAllocation, e.g. another process took memory), the batch
// is halved and retried; a single run that does not fit is an error.
//
// The backend owns one stream and a cuBLAS handle that the GEMM path creates
// on its first use (DeviceContext::blas, a BlasHandle): libcublas is
// loaded only when a dense problem takes the GEMM path, so the diagonal and
// fused paths work without it (tests/cublas_api_test.cpp).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cuda_check.hpp"
#include "horizon/cuda_backend.hpp"
#include "horizon/error.hpp"
#include "horizon/metrics.hpp"
#include "quadratic_kernels.hpp"

namespace horizon {
namespace {

constexpr std::size_t kMaxBatchRuns = std::size_t{1} << 20;

void check_request(const QuadraticProblem& p, const std::vector<RunSpec>& specs,
                   const std::vector<std::int64_t>& budgets) {
  if (budgets.empty()) throw InputError("budgets", "at least one budget N is needed");
  for (std::size_t c = 0; c < budgets.size(); ++c) {
    if (budgets[c] < 1 || budgets[c] > max_budget)
      fail_value("budgets[" + std::to_string(c) + "]", budgets[c], "must be in [1, 2^32 - 1]");
    if (c > 0 && budgets[c] < budgets[c - 1])
      fail_value("budgets[" + std::to_string(c) + "]", budgets[c], "budgets must be ascending");
  }
  for (std::size_t r = 0; r < specs.size(); ++r)
    if (specs[r].T < 1) fail_value("runs[" + std::to_string(r) + "].T", specs[r].T, "must be >= 1");
  if (p.d < 1 || p.K < 1 || static_cast<int>(p.theta0.size()) != p.d || static_cast<int>(p.w0.size()) != p.K ||
      static_cast<int>(p.domains.size()) != p.K)
    throw InputError("problem", "inconsistent dimensions (d, K, theta0, w0, domains)");
}

class CudaBackend final : public Backend {
 public:
  CudaBackend(const DeviceInfo& device, const CudaBackendOptions& opts) : opts_(opts) {
    CUDA_CHECK(cudaSetDevice(device.index));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, device.index));
    ctx_.device = device.index;
    ctx_.multiprocessors = prop.multiProcessorCount;
    ctx_.shared_optin = prop.sharedMemPerBlockOptin;
    char line[256];
    std::snprintf(line, sizeof line, "CUDA %s (sm_%d%d, %d SMs, %.1f GiB), %s precision", prop.name, prop.major,
                  prop.minor, prop.multiProcessorCount, static_cast<double>(prop.totalGlobalMem) / (1u << 30),
                  opts.single_precision ? "single" : "double");
    description_ = line;
    if (opts.path == CudaBackendOptions::Path::fused) description_ += ", fused path forced";
    if (opts.path == CudaBackendOptions::Path::gemm) description_ += ", GEMM path forced";
    try {
      CUDA_CHECK(cudaStreamCreateWithFlags(&ctx_.stream, cudaStreamNonBlocking));
      ctx_.blas = std::make_shared<cuda::BlasHandle>(ctx_.stream);  // created by the GEMM path's first use
    } catch (...) {
      release();  // the destructor does not run when the constructor throws
      throw;
    }
  }
  ~CudaBackend() override { release(); }
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::string name() const override { return "cuda"; }
  std::string description() const override { return description_; }

  std::size_t preferred_batch() const override {
    if (opts_.max_batch_runs > 0) return opts_.max_batch_runs;
    return std::max<std::size_t>(4096, 256 * static_cast<std::size_t>(ctx_.multiprocessors));
  }

  std::vector<RunResult> run(const Problem& problem, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs,
                             const std::vector<std::int64_t>& budgets) override {
    check_compatible(problem, cfg);
    const QuadraticProblem* quadratic = std::get_if<QuadraticProblem>(&problem);
    if (!quadratic)
      throw InputError("--backend", "cuda: " + problem_kind(problem) +
                                        " problems are not supported on the GPU yet (use --backend cpu)");
    const QuadraticProblem& p = *quadratic;
    if (specs.empty()) return {};
    check_request(p, specs, budgets);
    // Quadratic problems take gaussian noise only (check_compatible), which
    // the kernels add exactly when σ ≠ 0, as the reference does.
    CUDA_CHECK(cudaSetDevice(ctx_.device));
    const std::unique_ptr<cuda::TrajectorySolver> solver =
        opts_.single_precision ? make_solver<float>(p, cfg, budgets) : make_solver<double>(p, cfg, budgets);

    std::vector<RunResult> results(specs.size());
    std::size_t batch = initial_batch(solver->bytes_per_run());
    for (std::size_t first = 0; first < specs.size();) {
      const std::size_t count = std::min(batch, specs.size() - first);
      cuda::BatchOutput out;
      try {
        out = solver->run_batch(specs.data() + first, static_cast<int>(count));
      } catch (const cuda::DeviceOutOfMemory&) {
        if (count == 1) throw;
        batch = count / 2;
        continue;
      }
      collect(out, specs, budgets, first, results);
      first += count;
    }
    score_results(problem, results, 0);
    return results;
  }

 private:
  template <class Scalar>
  std::unique_ptr<cuda::TrajectorySolver> make_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                      const std::vector<std::int64_t>& budgets) const {
    if (p.diagonal) return cuda::make_diagonal_solver<Scalar>(p, cfg, budgets, ctx_);
    const bool fits = cuda::dense_fused_fits<Scalar>(p.d, p.K, ctx_);
    switch (opts_.path) {
      case CudaBackendOptions::Path::gemm:
        return cuda::make_dense_gemm_solver<Scalar>(p, cfg, budgets, ctx_);
      case CudaBackendOptions::Path::fused:
        if (!fits)
          throw std::runtime_error("CUDA backend: the fused dense path was forced, but d = " + std::to_string(p.d) +
                                   ", K = " + std::to_string(p.K) + " does not fit in one block's shared memory");
        return cuda::make_dense_fused_solver<Scalar>(p, cfg, budgets, ctx_);
      case CudaBackendOptions::Path::automatic:
        break;
    }
    return fits ? cuda::make_dense_fused_solver<Scalar>(p, cfg, budgets, ctx_)
                : cuda::make_dense_gemm_solver<Scalar>(p, cfg, budgets, ctx_);
  }

  std::size_t initial_batch(std::size_t bytes_per_run) const {
    std::size_t free_bytes = 0, total_bytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    const std::size_t usable = free_bytes / 10 * 8;
    std::size_t batch = std::max<std::size_t>(1, usable / std::max<std::size_t>(1, bytes_per_run));
    if (opts_.max_batch_runs > 0) batch = std::min(batch, opts_.max_batch_runs);
    return std::min(batch, kMaxBatchRuns);
  }

  // Turns a batch's raw θ, w into RunResults (metrics are scored later). A
  // checkpoint the run never reached (it diverged before) is built exactly as
  // host/reference/trajectory.hpp builds it: N, rounds, steps, θ and w sized, then
  // mark_diverged (flag set, everything NaN).
  static void collect(const cuda::BatchOutput& out, const std::vector<RunSpec>& specs,
                      const std::vector<std::int64_t>& budgets, std::size_t first, std::vector<RunResult>& results) {
    const std::size_t C = budgets.size(), d = out.d, K = out.K;
    for (std::size_t r = 0; r < static_cast<std::size_t>(out.runs); ++r) {
      RunResult& result = results[first + r];
      result.spec = specs[first + r];
      result.checkpoints.resize(C);
      for (std::size_t c = 0; c < C; ++c) {
        Checkpoint& cp = result.checkpoints[c];
        cp.N = budgets[c];
        cp.rounds = budgets[c] / result.spec.T;
        cp.steps = budgets[c];
        const std::size_t slot = r * C + c;
        if (!out.reached[slot]) {
          cp.theta.resize(d);  // sized like the reference's blank(), then NaN
          cp.w.resize(K);
          mark_diverged(cp);
          continue;
        }
        cp.theta.assign(out.theta.begin() + slot * d, out.theta.begin() + (slot + 1) * d);
        cp.w.assign(out.w.begin() + slot * K, out.w.begin() + (slot + 1) * K);
      }
    }
  }

  void release() {
    ctx_.blas.reset();  // the handle (if the GEMM path made one) goes before its stream
    if (ctx_.stream) cudaStreamDestroy(ctx_.stream);
    ctx_.stream = nullptr;
  }

  CudaBackendOptions opts_;
  cuda::DeviceContext ctx_;
  std::string description_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const DeviceInfo& device, const CudaBackendOptions& opts) {
  return std::make_unique<CudaBackend>(device, opts);
}

}  // namespace horizon
