// horizon/schedule.hpp — inner and outer step sizes (docs/algorithm.md §2).
//
// t = step within the round, n = global step, k = round. No schedule depends
// on the budget N, which is what lets one trajectory serve every checkpoint.
#pragma once

#include <cmath>
#include <cstdint>

#include "horizon/config.hpp"
#include "horizon/hd.hpp"

namespace horizon {

// η(t, n): constant η₀, or η₀ / (1 + γ·t) (restart) / η₀ / (1 + γ·n).
HORIZON_HD inline double inner_rate(const InnerSchedule& s, std::int64_t t, std::int64_t n) {
  if (s.kind == InnerScheduleKind::constant) return s.eta0;
  const double count = static_cast<double>(s.restart ? t : n);
  return s.eta0 / (1.0 + s.gamma * count);
}

// α(k): constant α₀, or α₀ / √(k+1).
HORIZON_HD inline double outer_rate(const OuterSchedule& s, std::int64_t k) {
  if (s.kind == OuterScheduleKind::constant) return s.alpha0;
  return s.alpha0 / std::sqrt(static_cast<double>(k + 1));
}

}  // namespace horizon
