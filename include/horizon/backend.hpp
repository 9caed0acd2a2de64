// horizon/backend.hpp — the one interface every compute backend implements.
//
// A backend advances many independent runs (one per RunSpec) of the same
// problem and config to every budget in `budgets` (ascending, ≥ 1) and
// returns them in spec order, scored (metrics.hpp). The CPU backend is the
// reference; the CUDA backend must agree with it (docs/algorithm.md §2–§5).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/devices.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"

namespace horizon {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;         // "cpu" or "cuda"
  virtual std::string description() const = 0;  // e.g. "CPU reference, 2 threads"
  // How many runs the sweep driver should hand over at once: large enough to
  // fill the device, small enough that a killed sweep loses little work.
  virtual std::size_t preferred_batch() const = 0;
  virtual std::vector<RunResult> run(const Problem& p, const AlgorithmConfig& cfg,
                                     const std::vector<RunSpec>& specs,
                                     const std::vector<std::int64_t>& budgets) = 0;
};

// threads ≤ 0: default_threads(). Results do not depend on the count.
std::unique_ptr<Backend> make_cpu_backend(int threads);

// Settings of the CUDA backend (kernels/cuda_backend.cu; see cuda_backend.hpp).
struct GpuOptions {
  bool single_precision = false;  // float state and arithmetic (noise still drawn in double)
  enum class Path { automatic, fused, gemm } path = Path::automatic;  // dense problems only
  std::size_t max_batch_runs = 0;  // 0: as many runs per batch as fit in device memory
};

// Built with CUDA: the GPU backend on `device`. Without: throws InputError.
std::unique_ptr<Backend> make_cuda_backend(const DeviceInfo& device, const GpuOptions& opts = {});

struct BackendChoice {
  std::string which = "auto";  // "cpu", "cuda" or "auto"
  int threads = 0;             // CPU threads
  GpuOptions gpu;
  int local_rank = 0;          // MPI: this rank's place on its node; the GPU is devices[local_rank mod count]
};

// The backend for a problem of kind `kind`. `cuda` without a usable device,
// or for a kind the GPU does not run yet (logistic), throws InputError, and so
// does single precision on the CPU (which computes in double only); `auto`
// picks the GPU when it can and otherwise the CPU, writing a one-line notice
// of its choice to `notices`.
std::unique_ptr<Backend> make_backend(const BackendChoice& choice, std::ostream& notices,
                                      const std::string& kind = "quadratic");

// Throws InputError when the config asks for what the problem cannot do
// (minibatch noise on a problem without data).
void check_compatible(const Problem& p, const AlgorithmConfig& cfg);

// Scores every checkpoint (Evaluator::score), in parallel over runs.
void score_results(const Problem& p, std::vector<RunResult>& results, int threads);

// Threads actually used for `requested` (≤ 0 → default_threads()), at
// most max_threads().
int resolve_threads(int requested);
// The default CPU thread count: OMP_NUM_THREADS when set (InputError when it
// is not a positive integer), else the CPUs of this process's affinity mask
// (Slurm's --cpus-per-task, taskset, an MPI rank's binding), else the
// machine's hardware threads.
int default_threads();
// The most CPU threads horizon starts: 4 per hardware thread, at least 64.
// More only add overhead, and libgomp crashes on a huge count (a team of
// 100000 overflows its stack); make_backend says when it caps a request.
int max_threads();

}  // namespace horizon
