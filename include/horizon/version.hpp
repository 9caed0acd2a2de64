// horizon/version.hpp — version and build options (filled in by CMake).
#pragma once

#include <string>

namespace horizon {

std::string version_string();  // e.g. "0.1.0"
std::string build_options();   // e.g. "CUDA on (sm_90), OpenMP on, Release"
bool built_with_cuda();

}  // namespace horizon
