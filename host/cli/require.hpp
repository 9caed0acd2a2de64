// Checks that layered settings hold what a command needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "horizon/error.hpp"

namespace horizon {
namespace cli {

template <class T>
const T& require(const std::optional<T>& v, const std::string& flag, const std::string& toml_key) {
  if (!v) throw InputError(flag, "required (give " + flag + ", or a preset/config that sets " + toml_key + ")");
  return *v;
}

// `run` takes one value where a preset may hold a list.
inline std::int64_t require_single(const std::optional<std::vector<std::int64_t>>& v, const std::string& flag,
                                   const std::string& toml_key) {
  const std::vector<std::int64_t>& list = require(v, flag, toml_key);
  if (list.size() != 1)
    throw InputError(flag, "needs one value, the preset/config gives a list of " + std::to_string(list.size()) +
                               " (pass " + flag + ")");
  return list.front();
}

}  // namespace cli
}  // namespace horizon
