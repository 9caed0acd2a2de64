// cuda_devices() for builds without CUDA (the twin of kernels/device_query.cu).
#include "horizon/devices.hpp"

namespace horizon {

std::vector<DeviceInfo> cuda_devices(std::string* why_none) {
  if (why_none) *why_none = "horizon was built without CUDA";
  return {};
}

}  // namespace horizon
