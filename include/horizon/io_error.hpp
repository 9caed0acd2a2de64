// horizon/io_error.hpp — a failed read or write of a file: one line naming
// the file and the operating system's reason, e.g.
//   cannot write 'runs/x/runs.csv': No space left on device
// The CLI prints it as "horizon: error: <message>" and exits 2.
#pragma once

#include <stdexcept>
#include <string>

namespace horizon {

class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace horizon
