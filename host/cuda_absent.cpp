// make_cuda_backend() for builds without CUDA: never reached, because
// cuda_devices() reports no device there, but the linker needs the symbol.
#include "horizon/backend.hpp"
#include "horizon/devices.hpp"
#include "horizon/error.hpp"

namespace horizon {

std::unique_ptr<Backend> make_cuda_backend(const DeviceInfo&) {
  throw InputError("--backend", "horizon was built without CUDA");
}

}  // namespace horizon
