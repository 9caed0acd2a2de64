// The presets/*.toml files, compiled into the binary by CMake
// (cmake/embed_presets.cmake writes presets_embedded.cpp at build time).
#pragma once

#include <vector>

namespace horizon {

struct EmbeddedPreset {
  const char* name;  // file name without .toml
  const char* toml;  // file contents
};

const std::vector<EmbeddedPreset>& embedded_presets();

}  // namespace horizon
