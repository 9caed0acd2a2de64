// The order of a sweep's trajectories (trajectory_order.hpp).
#include "sweep/trajectory_order.hpp"

#include <algorithm>

#include "horizon/error.hpp"

namespace horizon {

TrajectoryOrder TrajectoryOrder::of(const SweepPlan& plan) {
  TrajectoryOrder o;
  o.T = plan.T;
  o.seeds = plan.seeds;
  o.seed0 = plan.seed0;
  const std::int64_t total = o.total();
  // Blocks of ⌊total/count⌋ or one more, in index order (sizes differ by at
  // most one trajectory). Computed without overflow: total ≤ 10^12.
  const auto i = static_cast<std::int64_t>(plan.shard.index), n = static_cast<std::int64_t>(plan.shard.count);
  o.first = total / n * i + std::min(i, total % n);
  o.end = total / n * (i + 1) + std::min(i + 1, total % n);
  return o;
}

bool PendingTrajectories::next(std::size_t count, std::vector<RunSpec>* out) {
  out->clear();
  while (out->size() < count && g_ < order_.end) {
    const std::int64_t ti = order_.t_index(g_);
    const std::int64_t T = order_.T[static_cast<std::size_t>(ti)];
    if (shared_) {  // the rows of this T's seeds in the range come from this one run
      out->push_back({T, order_.seed0});
      g_ = std::min(order_.end, (ti + 1) * order_.seeds);
      continue;
    }
    out->push_back({T, order_.seed(g_)});
    ++g_;
  }
  return !out->empty();
}

std::int64_t PendingTrajectories::runs_left() const {
  if (g_ >= order_.end) return 0;
  if (!shared_) return order_.end - g_;
  return order_.t_index(order_.end - 1) - order_.t_index(g_) + 1;
}

void parse_shard(const std::string& text, const std::string& field, int* index, int* count) {
  const auto slash = text.find('/');
  auto number = [&](const std::string& part, long long* v) {
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) return false;
    *v = std::stoll(part);
    return true;
  };
  long long i = 0, n = 0;
  if (slash == std::string::npos || !number(text.substr(0, slash), &i) || !number(text.substr(slash + 1), &n))
    throw InputError(field, "expected I/N, shard I of N counting from 0, such as 0/4 (got '" + text + "')");
  if (n < 1) throw InputError(field, "the shard count must be at least 1 (got '" + text + "')");
  if (i >= n)
    throw InputError(field, "shard index " + std::to_string(i) + " is out of range: shards of " + std::to_string(n) +
                                " are numbered 0 to " + std::to_string(n - 1) + " (got '" + text + "')");
  *index = static_cast<int>(i);
  *count = static_cast<int>(n);
}

}  // namespace horizon
