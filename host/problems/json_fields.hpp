// Reading checked values out of parsed JSON: every failure is an InputError
// naming the field and quoting (a prefix of) the offending value.
#pragma once

#include <cmath>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "horizon/error.hpp"

namespace horizon {
namespace json_fields {

// Appends j's JSON text to `out`, stopping soon after `out` passes `limit`
// characters: a 200 MB array is not dumped whole to show 40 characters of it,
// and the recursion ends within `limit` levels however deep the value.
inline void preview(const nlohmann::json& j, std::string& out, std::size_t limit) {
  if (j.is_array() || j.is_object()) {
    out += j.is_array() ? '[' : '{';
    bool first = true;
    for (auto it = j.begin(); it != j.end() && out.size() <= limit; ++it, first = false) {
      if (!first) out += ',';
      if (j.is_object()) out += nlohmann::json(it.key()).dump() + ":";
      preview(it.value(), out, limit);
    }
    out += j.is_array() ? ']' : '}';
  } else if (j.is_string()) {
    out += nlohmann::json(j.get_ref<const std::string&>().substr(0, limit + 1)).dump();
  } else {
    out += j.dump();
  }
}

// The value as JSON text, cut to 40 characters for messages.
inline std::string brief(const nlohmann::json& j) {
  std::string s;
  preview(j, s, 40);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

// The deepest nesting of objects and arrays a JSON input may have. A problem
// needs 5 (problem > domains > domain > A > row); the limit is checked while
// parsing, before anything recurses over the value.
constexpr int max_json_depth = 64;

// Parses JSON text (a string or a stream) strictly: nesting deeper than
// max_json_depth, and a key given twice in one object (nlohmann would keep the
// last silently), are InputErrors naming `source` and the place. A syntax error
// is "<field>: '<source>' is not valid JSON: <nlohmann's one-line reason>"
// ("<source>: not valid JSON: …" when field == source, for inline JSON);
// `field` is the flag or key that named the input ("--problem").
template <class Input>
nlohmann::json parse_strict(Input&& input, const std::string& field, const std::string& source) {
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;              // the key being read (objects)
    std::size_t next_index = 0;  // the next element's index (arrays)
  };
  std::vector<Frame> frames;
  auto where = [&frames, &source]() {  // the path of the innermost open object or array
    std::string path = source;
    for (std::size_t i = 0; i + 1 < frames.size(); ++i)
      path += frames[i].object ? "." + frames[i].key : "[" + std::to_string(frames[i].next_index - 1) + "]";
    return path;
  };
  auto element_starts = [&frames]() {
    if (!frames.empty() && !frames.back().object) ++frames.back().next_index;
  };
  using Event = nlohmann::json::parse_event_t;
  const nlohmann::json::parser_callback_t check = [&](int, Event event, nlohmann::json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        element_starts();
        if (frames.size() >= static_cast<std::size_t>(max_json_depth))
          throw InputError(source, "JSON nested more than " + std::to_string(max_json_depth) +
                                       " levels deep (a problem needs 5)");
        frames.push_back(Frame{event == Event::object_start, {}, {}, 0});
        break;
      case Event::object_end:
      case Event::array_end:
        frames.pop_back();
        break;
      case Event::key: {
        Frame& f = frames.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw InputError(where() + "." + f.key, "key given twice (JSON would keep only the last; remove one)");
        break;
      }
      case Event::value:
        element_starts();
        break;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(std::forward<Input>(input), check);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    // nlohmann's message is one line: "[json.exception.parse_error.101] parse error at line 3, …"
    throw InputError(field, (field == source ? "" : "'" + source + "' is ") + "not valid JSON: " + e.what());
  }
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
