// Renderings of checkpoints (output.hpp).
#include "output.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

namespace horizon {
namespace cli {
namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json vector_json(const std::vector<double>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (double x : v) a.push_back(number_or_null(x));
  return a;
}

}  // namespace

nlohmann::json checkpoint_json(const Checkpoint& c) {
  return {{"N", c.N},
          {"rounds", c.rounds},
          {"steps", c.steps},
          {"w", vector_json(c.w)},
          {"theta", vector_json(c.theta)},
          {"val_loss", number_or_null(c.val_loss)},
          {"val_acc", number_or_null(c.val_acc)},
          {"phi", number_or_null(c.phi)},
          {"fw_gap", number_or_null(c.fw_gap)},
          {"diverged", c.diverged}};
}

void print_checkpoint_table(std::ostream& os, const std::vector<Checkpoint>& cps) {
  char line[256];
  std::snprintf(line, sizeof line, "%10s %8s %14s %9s %14s %12s %4s  %s\n", "N", "rounds", "val_loss", "val_acc", "phi",
                "fw_gap", "div", "w");
  os << line;
  for (const Checkpoint& c : cps) {
    char acc[16] = "-";
    if (std::isfinite(c.val_acc)) std::snprintf(acc, sizeof acc, "%.4f", c.val_acc);
    std::snprintf(line, sizeof line, "%10lld %8lld %14.6g %9s %14.6g %12.3g %4s ", static_cast<long long>(c.N),
                  static_cast<long long>(c.rounds), c.val_loss, acc, c.phi, c.fw_gap, c.diverged ? "yes" : "no");
    os << line;
    for (double w : c.w) {
      std::snprintf(line, sizeof line, " %.4f", w);
      os << line;
    }
    os << '\n';
  }
}

}  // namespace cli
}  // namespace horizon
