// kernels/quadratic_dense_host.hpp — host-side pieces of the dense paths:
// the problem in the fused kernel's transposed layout (quadratic_dense_fused.cu;
// the GEMM path's row-major layout is GemmProblemData in
// quadratic_dense_gemm_driver.hpp, shared with its CPU replay), and the
// download of a batch's checkpoints (both paths).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "device_buffer.hpp"
#include "horizon/problem.hpp"
#include "quadratic_kernels.hpp"

namespace horizon {
namespace cuda {

struct DenseHostProblem {
  std::vector<double> At;   // K×d×d, At[(j·d + l)·d + i] = A_j(i, l)
  std::vector<double> Avt;  // d×d transposed
  std::vector<double> c;    // K×d
  explicit DenseHostProblem(const QuadraticProblem& p) {
    const std::size_t d = p.d, dd = d * d;
    At.resize(p.K * dd);
    c.resize(p.K * d);
    for (int j = 0; j < p.K; ++j) {
      const std::vector<double>& Aj = p.domains[j].A;
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t l = 0; l < d; ++l) At[j * dd + l * d + i] = Aj[i * d + l];
      for (std::size_t i = 0; i < d; ++i) c[j * d + i] = p.domains[j].c[i];
    }
    const std::vector<double>& Av = p.validation.A;
    Avt.resize(dd);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t l = 0; l < d; ++l) Avt[l * d + i] = Av[i * d + l];
  }
};

// θ, w and the reached flags of a batch, converted to double.
template <class Scalar>
inline BatchOutput download_output(int runs, int C, int d, int K, const DeviceBuffer<Scalar>& theta,
                            const DeviceBuffer<Scalar>& w, const DeviceBuffer<int>& reached, cudaStream_t stream) {
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

}  // namespace cuda
}  // namespace horizon
