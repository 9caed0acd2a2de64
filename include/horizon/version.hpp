// horizon/version.hpp — version and build options (filled in by CMake).
#pragma once

#include <string>

namespace horizon {

std::string version_string();  // e.g. "0.1.0"
std::string build_options();   // e.g. "CUDA on (sm_90), OpenMP on, Release"
bool built_with_cuda();
// The git commit the build was configured from ("" when not built from a
// checkout), with "-dirty" when the work tree had changes then.
std::string git_commit();

}  // namespace horizon
