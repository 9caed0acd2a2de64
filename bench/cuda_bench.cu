// CUDA trajectory throughput (docs/algorithm.md §7): diagonal and dense quadratics,
// d ∈ {8, 32, 64, 128, 512}, K ∈ {3, 8}, runs ∈ {1e3, 1e4, 1e5}.
//
// For every configuration: wall time of the GPU trajectories (the solver the
// backend uses, batches as the backend cuts them, outputs copied back; host
// scoring is not included — it is the same code for every backend), run-steps/s,
// GFLOP/s by the §7 model (dense 4·K·d², diagonal 7·K·d per run-step; the
// per-round H_w and the noise are not counted), that rate as a fraction of
// the device's FP64 (or FP32) peak — measured here with an FMA-loop kernel,
// and computed from the device properties — and the speed-up over the CPU
// reference trajectories (timed on a subset of the runs and steps, all
// threads, scaled per run-step). One JSON object per line, then a table.
//
// Usage: horizon_bench_cuda [--smoke] [--quick] [--float] [--noise S]
//          [--path auto|fused|gemm] [--kinds diagonal,dense] [--d 8,32] [--K 3,8]
//          [--runs 1000,10000] [--T 16] [--flops F] [--cpu-seconds S]
// `--smoke` runs a tiny grid (CTest); with no CUDA device it prints
// "skipped: no CUDA device (...)" and exits 0.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cuda_check.hpp"
#include "launch.hpp"
#include "horizon/backend.hpp"
#include "horizon/cuda_backend.hpp"
#include "horizon/devices.hpp"
#include "horizon/problem.hpp"
#include "quadratic_kernels.hpp"
#include "reference/reference.hpp"

namespace {

using namespace horizon;
using Clock = std::chrono::steady_clock;
using CudaBackendPath = CudaBackendOptions::Path;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---------------------------------------------------------------- peak FMA rate

constexpr int kChains = 8;       // independent FMA chains per thread (latency hiding)
constexpr int kFmaIters = 4096;  // iterations of all chains

template <class Scalar>
__global__ void fma_loop_kernel(Scalar* out, Scalar a, Scalar b) {
  Scalar x[kChains];
#pragma unroll
  for (int c = 0; c < kChains; ++c) x[c] = static_cast<Scalar>(threadIdx.x + c);
  for (int it = 0; it < kFmaIters; ++it) {
#pragma unroll
    for (int c = 0; c < kChains; ++c) x[c] = fma(x[c], a, b);
  }
  Scalar s = 0;
#pragma unroll
  for (int c = 0; c < kChains; ++c) s += x[c];
  if (s == Scalar(-12345)) out[0] = s;  // never true; keeps the loop alive
}

// Measured FMA throughput in GFLOP/s (2 flops per FMA), best of 5.
template <class Scalar>
double measured_peak_gflops(int multiprocessors) {
  const int block = 256, grid = multiprocessors * 16;
  Scalar* out = nullptr;
  CUDA_CHECK(cudaMalloc(&out, sizeof(Scalar)));
  cudaEvent_t start, stop;
  CUDA_CHECK(cudaEventCreate(&start));
  CUDA_CHECK(cudaEventCreate(&stop));
  cuda::launch_kernel("fma_loop_kernel", fma_loop_kernel<Scalar>, grid, block, 0, nullptr, out, Scalar(0.999),
                      Scalar(1e-3));  // warm-up
  float best_ms = 1e30f;
  for (int rep = 0; rep < 5; ++rep) {
    CUDA_CHECK(cudaEventRecord(start));
    cuda::launch_kernel("fma_loop_kernel", fma_loop_kernel<Scalar>, grid, block, 0, nullptr, out, Scalar(0.999),
                        Scalar(1e-3));
    CUDA_CHECK(cudaEventRecord(stop));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    best_ms = std::min(best_ms, ms);
  }
  CUDA_CHECK(cudaEventDestroy(start));
  CUDA_CHECK(cudaEventDestroy(stop));
  CUDA_CHECK(cudaFree(out));
  const double flops = 2.0 * kChains * kFmaIters * static_cast<double>(grid) * block;
  return flops / (best_ms * 1e-3) / 1e9;
}

// Non-tensor FMA units per SM by compute capability. FP64: 64 on the HPC
// parts sm_90 (H100) and sm_100 (B200), 32 on sm_60/70/80 (P100, V100,
// A100), 2 on the consumer parts. FP32: 64 on sm_60/70/75/80, 128 after.
// (H100 SXM: 132 SMs × 64 × 2 × 1.98 GHz ≈ 33.5 TFLOP/s FP64; the 67 TFLOP/s
// often quoted is the FP64 tensor-core rate, which only DGEMM reaches.)
int fp64_units_per_sm(int major, int minor) {
  if (major == 9 || major == 10) return 64;
  if ((major == 6 && minor == 0) || (major == 7 && minor == 0) || (major == 8 && minor == 0)) return 32;
  return 2;
}
int fp32_units_per_sm(int major, int minor) {
  if (major >= 8 && !(major == 8 && minor == 0)) return 128;
  return 64;
}

// ---------------------------------------------------------------- configurations

struct Options {
  bool smoke = false, quick = false, single = false;
  double noise = 0;
  CudaBackendPath path = CudaBackendPath::automatic;
  std::vector<std::string> kinds = {"diagonal", "dense"};
  std::vector<int> d = {8, 32, 64, 128, 512};
  std::vector<int> K = {3, 8};
  std::vector<long long> runs = {1000, 10000, 100000};
  long long T = 16;
  double flops_target = 4e12;  // model flops per configuration (sets N)
  double cpu_seconds = 0.5;    // rough CPU time budget per configuration
};

template <class T>
std::vector<T> parse_list(const std::string& s) {
  std::vector<T> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::stringstream is(item);
    T v;
    is >> v;
    out.push_back(v);
  }
  return out;
}

double model_flops_per_run_step(bool diagonal, int d, int K) {
  return diagonal ? 7.0 * K * d : 4.0 * K * static_cast<double>(d) * d;
}

// CPU reference trajectories (no scoring), runs split over `threads` threads.
double cpu_seconds_for(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs,
                       std::int64_t N, int threads) {
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (std::size_t r = t; r < specs.size(); r += threads) (void)reference::run_quadratic(p, cfg, specs[r], {N});
    });
  for (auto& th : pool) th.join();
  return seconds_since(t0);
}

struct Row {
  std::string kind, path;
  int d, K;
  long long runs, N;
  double gpu_s, run_steps_per_s, gflops, pct_measured, pct_theoretical, cpu_run_steps_per_s, speedup;
};

template <class Scalar>
Row bench_one(const Options& o, const cuda::DeviceContext& ctx, bool diagonal, int d, int K, long long runs,
              double peak_measured, double peak_theoretical, int cpu_threads) {
  GeneratorParams g;
  g.d = d;
  g.K = K;
  g.mu = 0.2;
  g.L = 1.0;
  g.diagonal = diagonal;
  g.aligned = K - 1;
  g.seed = 17;
  const QuadraticProblem p = generate_quadratic(g);
  AlgorithmConfig cfg;
  cfg.inner.eta0 = 0.5;
  cfg.outer.alpha0 = 0.5;
  cfg.noise_sigma = o.noise;

  const double per_step = model_flops_per_run_step(diagonal, d, K);
  const long long N = std::max<long long>(
      o.smoke ? 8 : 32, std::min<long long>(o.smoke ? 32 : 4096, static_cast<long long>(o.flops_target / (per_step * runs))));
  std::vector<RunSpec> specs(runs);
  for (long long r = 0; r < runs; ++r) specs[r] = {o.T, static_cast<std::uint64_t>(r)};
  const std::vector<std::int64_t> budgets = {N};

  std::unique_ptr<cuda::TrajectorySolver> solver;
  if (diagonal) {
    solver = cuda::make_diagonal_solver<Scalar>(p, cfg, budgets, ctx);
  } else {
    bool fused = cuda::dense_fused_fits<Scalar>(d, K, ctx);
    if (o.path == CudaBackendPath::fused) fused = true;
    if (o.path == CudaBackendPath::gemm) fused = false;
    solver = fused ? cuda::make_dense_fused_solver<Scalar>(p, cfg, budgets, ctx)
                   : cuda::make_dense_gemm_solver<Scalar>(p, cfg, budgets, ctx);
  }
  // Batches as the backend cuts them (80 % of free memory).
  std::size_t free_bytes = 0, total_bytes = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const long long batch =
      std::max<long long>(1, std::min<long long>(runs, static_cast<long long>(free_bytes / 10 * 8 / solver->bytes_per_run())));
  auto run_all = [&] {
    for (long long first = 0; first < runs; first += batch)
      (void)solver->run_batch(specs.data() + first, static_cast<int>(std::min(batch, runs - first)));
  };
  (void)solver->run_batch(specs.data(), static_cast<int>(std::min<long long>(runs, 64)));  // warm-up
  double best = 1e300;
  for (int rep = 0; rep < (o.smoke ? 1 : 2); ++rep) {
    const auto t0 = Clock::now();
    run_all();
    best = std::min(best, seconds_since(t0));
  }

  // CPU: a subset of runs and steps sized to ~cpu_seconds, scaled per run-step.
  const double cpu_rate_guess = 2e8 * cpu_threads;  // flop/s, only to size the subset
  const long long cpu_runs = std::min<long long>(runs, std::max(1, 2 * cpu_threads));
  const long long cpu_N = std::max<long long>(
      8, std::min<long long>(N, static_cast<long long>(o.cpu_seconds * cpu_rate_guess / (per_step * cpu_runs))));
  const std::vector<RunSpec> cpu_specs(specs.begin(), specs.begin() + cpu_runs);
  const double cpu_s = cpu_seconds_for(p, cfg, cpu_specs, cpu_N, cpu_threads);

  Row row;
  row.kind = diagonal ? "diagonal" : "dense";
  row.path = solver->path();
  row.d = d;
  row.K = K;
  row.runs = runs;
  row.N = N;
  row.gpu_s = best;
  row.run_steps_per_s = static_cast<double>(runs) * N / best;
  row.gflops = row.run_steps_per_s * per_step / 1e9;
  row.pct_measured = 100 * row.gflops / peak_measured;
  row.pct_theoretical = 100 * row.gflops / peak_theoretical;
  row.cpu_run_steps_per_s = static_cast<double>(cpu_runs) * cpu_N / cpu_s;
  row.speedup = row.run_steps_per_s / row.cpu_run_steps_per_s;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "horizon_bench_cuda: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--smoke") o.smoke = true;
    else if (a == "--quick") o.quick = true;
    else if (a == "--float") o.single = true;
    else if (a == "--noise") o.noise = std::stod(value());
    else if (a == "--path") {
      const std::string v = value();
      o.path = v == "fused" ? CudaBackendPath::fused : v == "gemm" ? CudaBackendPath::gemm : CudaBackendPath::automatic;
    } else if (a == "--kinds") o.kinds = parse_list<std::string>(value());
    else if (a == "--d") o.d = parse_list<int>(value());
    else if (a == "--K") o.K = parse_list<int>(value());
    else if (a == "--runs") o.runs = parse_list<long long>(value());
    else if (a == "--T") o.T = std::stoll(value());
    else if (a == "--flops") o.flops_target = std::stod(value());
    else if (a == "--cpu-seconds") o.cpu_seconds = std::stod(value());
    else {
      std::cerr << "usage: horizon_bench_cuda [--smoke] [--quick] [--float] [--noise S] [--path auto|fused|gemm]\n"
                   "         [--kinds diagonal,dense] [--d 8,32,...] [--K 3,8] [--runs 1000,...] [--T 16]\n"
                   "         [--flops F] [--cpu-seconds S]\n";
      return 2;
    }
  }
  if (o.smoke) {
    o.d = {8, 37};
    o.K = {3};
    o.runs = {65};
    o.flops_target = 1e6;
    o.cpu_seconds = 0.05;
  } else if (o.quick) {
    o.runs = {1000, 10000};
    o.flops_target = 5e11;
    o.cpu_seconds = 0.2;
  }

  std::string why;
  const std::vector<DeviceInfo> devices = cuda_devices(&why);
  if (devices.empty()) {
    std::cout << "horizon_bench_cuda: skipped: no CUDA device (" << why << ")\n";
    return 0;
  }
  try {
    const DeviceInfo& dev = devices.front();
    CUDA_CHECK(cudaSetDevice(dev.index));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, dev.index));
    int clock_khz = 0;
    CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, dev.index));
    const int units = o.single ? fp32_units_per_sm(prop.major, prop.minor) : fp64_units_per_sm(prop.major, prop.minor);
    const double peak_theoretical = 2.0 * units * prop.multiProcessorCount * clock_khz * 1e3 / 1e9;
    const double peak_measured = o.single ? measured_peak_gflops<float>(prop.multiProcessorCount)
                                          : measured_peak_gflops<double>(prop.multiProcessorCount);
    const int cpu_threads = resolve_threads(0);
    const char* precision = o.single ? "float" : "double";
    nlohmann::json head = {{"benchmark", "cuda_peak"},
                           {"device", prop.name},
                           {"cc", std::to_string(prop.major) + "." + std::to_string(prop.minor)},
                           {"multiprocessors", prop.multiProcessorCount},
                           {"clock_mhz", clock_khz / 1000.0},
                           {"precision", precision},
                           {"fma_units_per_sm", units},
                           {"peak_theoretical_gflops", peak_theoretical},
                           {"peak_measured_gflops", peak_measured},
                           {"cpu_threads", cpu_threads}};
    std::cout << head.dump() << std::endl;

    cuda::DeviceContext ctx;
    ctx.device = dev.index;
    ctx.multiprocessors = prop.multiProcessorCount;
    ctx.shared_optin = prop.sharedMemPerBlockOptin;
    CUDA_CHECK(cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
    ctx.blas = std::make_shared<cuda::BlasHandle>(ctx.stream);  // created when a GEMM solver is made

    std::vector<Row> rows;
    for (const std::string& kind : o.kinds)
      for (int d : o.d)
        for (int K : o.K)
          for (long long runs : o.runs) {
            const bool diagonal = kind == "diagonal";
            Row row = o.single ? bench_one<float>(o, ctx, diagonal, d, K, runs, peak_measured, peak_theoretical, cpu_threads)
                               : bench_one<double>(o, ctx, diagonal, d, K, runs, peak_measured, peak_theoretical, cpu_threads);
            nlohmann::json j = {{"benchmark", "cuda_trajectory"},
                                {"kind", row.kind},
                                {"path", row.path},
                                {"precision", precision},
                                {"d", row.d},
                                {"K", row.K},
                                {"runs", row.runs},
                                {"T", o.T},
                                {"N", row.N},
                                {"noise", o.noise},
                                {"gpu_s", row.gpu_s},
                                {"run_steps_per_s", row.run_steps_per_s},
                                {"model_gflop_per_s", row.gflops},
                                {"pct_of_measured_peak", row.pct_measured},
                                {"pct_of_theoretical_peak", row.pct_theoretical},
                                {"cpu_run_steps_per_s", row.cpu_run_steps_per_s},
                                {"speedup_vs_cpu", row.speedup}};
            std::cout << j.dump() << std::endl;
            rows.push_back(row);
          }
    ctx.blas.reset();  // before its stream
    cudaStreamDestroy(ctx.stream);

    std::printf("\n%-9s %-40s %5s %3s %8s %6s %12s %10s %7s %7s %10s\n", "kind", "path", "d", "K", "runs", "N",
                "run-steps/s", "GFLOP/s", "%meas", "%theo", "vs CPU");
    for (const Row& r : rows)
      std::printf("%-9s %-40s %5d %3d %8lld %6lld %12.4g %10.4g %7.2f %7.2f %9.1fx\n", r.kind.c_str(), r.path.c_str(),
                  r.d, r.K, r.runs, r.N, r.run_steps_per_s, r.gflops, r.pct_measured, r.pct_theoretical, r.speedup);
    std::printf("peak %s: measured %.0f GFLOP/s, theoretical %.0f GFLOP/s (%d units/SM x %d SMs x %.0f MHz x 2)\n",
                precision, peak_measured, peak_theoretical, units, prop.multiProcessorCount, clock_khz / 1000.0);
  } catch (const std::exception& e) {
    std::cerr << "horizon_bench_cuda: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
