// cuda_devices() for builds without CUDA (the twin of kernels/device_query.cu).
#include "horizon/devices.hpp"

namespace horizon {

std::vector<DeviceInfo> cuda_devices(std::string* why_none, std::string* detail) {
  if (why_none) *why_none = "horizon was built without CUDA";
  if (detail) *detail = "configured with HORIZON_ENABLE_CUDA=OFF, or no nvcc was found";
  return {};
}

}  // namespace horizon
