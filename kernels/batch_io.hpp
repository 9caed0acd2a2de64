// kernels/batch_io.hpp — what every trajectory solver moves per batch: each
// run's horizon T and seed to the device, and θ (d), w (K) and a reached
// flag at every (run, checkpoint) back, run-major (BatchOutput in
// quadratic_kernels.hpp), converted to double.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "device_buffer.hpp"
#include "horizon/result.hpp"
#include "quadratic_kernels.hpp"

namespace horizon {
namespace cuda {

// The runs of a batch: T and seed on the host (the GEMM path's schedule reads
// T there) and on the device.
struct BatchRuns {
  std::vector<std::int64_t> T;
  std::vector<std::uint64_t> seed;
  DeviceBuffer<std::int64_t> T_dev;
  DeviceBuffer<std::uint64_t> seed_dev;

  BatchRuns(const RunSpec* specs, int runs, cudaStream_t stream) : T(runs), seed(runs) {
    for (int r = 0; r < runs; ++r) {
      T[r] = specs[r].T;
      seed[r] = specs[r].seed;
    }
    T_dev = DeviceBuffer<std::int64_t>(T, stream);
    seed_dev = DeviceBuffer<std::uint64_t>(seed, stream);
  }
};

// The checkpoint outputs of a batch; reached starts at 0 (a run that stops
// on a divergence never sets its later flags).
template <class Scalar>
struct BatchCheckpoints {
  int runs, C, d, K;
  DeviceBuffer<Scalar> theta, w;
  DeviceBuffer<int> reached;

  BatchCheckpoints(int runs_, int C_, int d_, int K_, cudaStream_t stream)
      : runs(runs_), C(C_), d(d_), K(K_), theta(slots() * d_), w(slots() * K_), reached(slots()) {
    reached.zero(stream);
  }
  std::size_t slots() const { return static_cast<std::size_t>(runs) * C; }

  BatchOutput download(cudaStream_t stream) const {
    BatchOutput out;
    out.runs = runs;
    out.checkpoints = C;
    out.d = d;
    out.K = K;
    std::vector<Scalar> theta_host, w_host;
    theta.download(theta_host, stream);
    w.download(w_host, stream);
    reached.download(out.reached, stream);
    out.theta.assign(theta_host.begin(), theta_host.end());
    out.w.assign(w_host.begin(), w_host.end());
    return out;
  }
};

}  // namespace cuda
}  // namespace horizon
