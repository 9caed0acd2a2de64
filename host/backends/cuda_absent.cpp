// make_cuda_backend() for builds without CUDA: never reached through
// make_backend, because cuda_devices() reports no device there.
#include "horizon/backend.hpp"
#include "horizon/error.hpp"

namespace horizon {

std::unique_ptr<Backend> make_cuda_backend(const DeviceInfo&, const GpuOptions&) {
  throw InputError("--backend", "horizon was built without CUDA");
}

}  // namespace horizon
