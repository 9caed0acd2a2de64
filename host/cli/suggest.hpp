// "Did you mean …?" for a mistyped command or option: the closest candidate
// by edit distance (insertions, deletions, substitutions and swaps of two
// neighbours each count 1), when it is close enough to be a typo.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace horizon {
namespace cli {

// Optimal string alignment distance between a and b.
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The candidate nearest to `word`, or "" when none is within a typo's reach
// (2 edits, and fewer than a third of the word's letters).
inline std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::min<std::size_t>(2, std::max<std::size_t>(1, word.size() / 3));
  for (const std::string& c : candidates) {
    const std::size_t dist = edit_distance(word, c);
    if (dist <= best_distance && (best.empty() || dist < best_distance)) {
      best = c;
      best_distance = dist;
    }
  }
  return best;
}

}  // namespace cli
}  // namespace horizon
