// Reading checked values out of parsed JSON: every failure is an InputError
// naming the field and quoting (a prefix of) the offending value.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "horizon/error.hpp"

namespace horizon {
namespace json_fields {

// The value as JSON text, cut to 40 characters for messages.
inline std::string brief(const nlohmann::json& j) {
  std::string s = j.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

inline double finite_number(const nlohmann::json& j, const std::string& field) {
  if (!j.is_number()) throw InputError(field, "expected a number (got " + brief(j) + ")");
  const double v = j.get<double>();
  if (!std::isfinite(v)) throw InputError(field, "not finite (got " + brief(j) + ")");
  return v;
}

inline std::vector<double> finite_vector(const nlohmann::json& j, const std::string& field) {
  if (!j.is_array()) throw InputError(field, "expected an array of numbers (got " + brief(j) + ")");
  std::vector<double> v;
  v.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) v.push_back(finite_number(j[i], field + "[" + std::to_string(i) + "]"));
  return v;
}

// Rejects a key of the object that is not allowed, so that a typo ("W0",
// "theta_0") is an error instead of a silently used default.
inline void only_keys(const nlohmann::json& j, std::initializer_list<const char*> allowed, const std::string& field) {
  if (!j.is_object()) return;  // the caller reports the wrong type
  for (const auto& item : j.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || item.key() == a;
    if (known) continue;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    throw InputError(field + "." + item.key(), "unknown key (expected one of: " + list + ")");
  }
}

}  // namespace json_fields
}  // namespace horizon
