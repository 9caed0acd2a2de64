# Writes OUTPUT (a C++ source) holding every PRESET_DIR/*.toml as a string.
# Run in script mode: cmake -DPRESET_DIR=… -DOUTPUT=… -P embed_presets.cmake
file(GLOB presets "${PRESET_DIR}/*.toml")
list(SORT presets)
set(body "")
foreach(path IN LISTS presets)
  get_filename_component(name "${path}" NAME_WE)
  file(READ "${path}" text)
  string(APPEND body "      {\"${name}\", R\"HZPRESET(${text})HZPRESET\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp"
"// Generated from presets/*.toml by cmake/embed_presets.cmake. Do not edit.
#include \"settings/presets_embedded.hpp\"

namespace horizon {

const std::vector<EmbeddedPreset>& embedded_presets() {
  static const std::vector<EmbeddedPreset> presets = {
${body}  };
  return presets;
}

}  // namespace horizon
")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
