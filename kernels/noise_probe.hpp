// kernels/noise_probe.hpp — the gradient noise as the GPU draws it, for
// tests/cuda_noise_test.cpp (which compares it bit for bit with the CPU's).
// Host declarations only; no CUDA header needed to call them.
//
// σξ_e, e = 0 … total − 1, of step n for `seed` (horizon/gradient_noise.hpp:
// draw e is word e mod 4 of Philox call q = e / 4), each formed in double and
// rounded to the Scalar by scaled_noise_quad<Scalar>, one device thread per
// Philox call, on the current CUDA device. The result has 4·⌈total/4⌉
// entries: the device buffer is filled with all-ones bytes first, so the
// entries from `total` on show whether the last call wrote past K·d (they
// must keep that pattern). Throws std::runtime_error on any CUDA failure
// (no device, …).
#pragma once

#include <cstdint>
#include <vector>

namespace horizon {
namespace cuda {

std::vector<double> device_scaled_noise(std::uint64_t seed, std::int64_t n, int total, double sigma);
std::vector<float> device_scaled_noise_float(std::uint64_t seed, std::int64_t n, int total, double sigma);

}  // namespace cuda
}  // namespace horizon
