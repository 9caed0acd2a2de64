// kernels/launch_probe.hpp — one launch through launch_kernel with a
// configuration the caller picks, for tests/cuda_launch_test.cpp (a bad
// configuration must come back as an error naming the kernel). Host
// declarations only; no CUDA header needed to call it.
#pragma once

#include <cstddef>

namespace horizon {
namespace cuda {

// Launches launch_probe_kernel (each thread writes its index) with `threads`
// threads in one block and `dynamic_shared_bytes` of dynamic shared memory
// on the current device, synchronises, and returns how many threads wrote.
// Throws std::runtime_error on any CUDA failure.
int launch_probe(int threads, std::size_t dynamic_shared_bytes);

}  // namespace cuda
}  // namespace horizon
