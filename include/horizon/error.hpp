// horizon/error.hpp — the one exception type for bad user input.
//
// Every message is one line naming the field and the offending value, e.g.
//   problem.domains[1].A: not positive definite
// The CLI prints it as "horizon: error: <message>" and exits 2.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace horizon {

class InputError : public std::runtime_error {
 public:
  InputError(const std::string& field, const std::string& problem)
      : std::runtime_error(field + ": " + problem) {}
};

// Formats a double the way error messages and JSON show it (shortest round-trip).
std::string format_number(double v);

template <class T>
[[noreturn]] void fail_value(const std::string& field, const T& value, const std::string& why) {
  std::ostringstream os;
  os << why << " (got " << value << ")";
  throw InputError(field, os.str());
}

}  // namespace horizon
