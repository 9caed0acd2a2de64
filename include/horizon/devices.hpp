// horizon/devices.hpp — which CUDA devices this process can use.
//
// Built without CUDA, or with no driver (cudaGetDeviceCount then fails with
// "insufficient driver" rather than returning 0), the list is empty,
// `why_none` says why in words for every command ("no NVIDIA GPU/driver
// found") and `detail` gives the CUDA runtime's own error for `horizon info`.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace horizon {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;
  std::size_t memory_bytes = 0;
  int multiprocessors = 0;
};

std::vector<DeviceInfo> cuda_devices(std::string* why_none, std::string* detail = nullptr);

}  // namespace horizon
