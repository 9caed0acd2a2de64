// horizon/activity.hpp — what the process is doing, for one-line errors that
// have no field to name: "out of memory while reading the problem 'p.json'".
//
//   const Doing doing("reading the problem '" + path + "'");
//
// sets the activity for the scope. When an exception leaves the scope the
// activity is kept, so the handler in main still sees where it was thrown.
#pragma once

#include <exception>
#include <string>
#include <utility>

namespace horizon {

class Doing {
 public:
  explicit Doing(std::string what) : previous_(std::move(slot())), exceptions_(std::uncaught_exceptions()) {
    slot() = std::move(what);
  }
  ~Doing() {
    if (std::uncaught_exceptions() == exceptions_) slot() = std::move(previous_);
  }
  Doing(const Doing&) = delete;
  Doing& operator=(const Doing&) = delete;

  // The innermost activity ("starting" before any).
  static const std::string& now() { return slot(); }

 private:
  // The main thread's: parallel regions report through the one that started them.
  static std::string& slot() {
    static std::string activity = "starting";
    return activity;
  }
  std::string previous_;
  int exceptions_;
};

}  // namespace horizon
