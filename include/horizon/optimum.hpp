// horizon/optimum.hpp — w* = argmin_{w ∈ Δ_K} Φ(w) and Φ* (`horizon optimum`).
//
// Projected gradient descent on the exact Φ and ∇Φ (metrics.hpp) with a
// Barzilai–Borwein trial step and Armijo backtracking, from the uniform
// weights, the problem's w0 and every vertex e_j; the best stationary point
// wins. It stops when the Frank–Wolfe gap ≤ tol (Φ may be non-convex in w,
// so w* is the best stationary point found, which the gap certifies as
// stationary, not as global).
#pragma once

#include <vector>

#include "horizon/problem.hpp"

namespace horizon {

struct OptimumResult {
  std::vector<double> w;
  double phi = 0;
  double fw_gap = 0;
  int iterations = 0;  // of the winning start
  bool converged = false;
};

OptimumResult find_optimum(const Problem& p, double tol = 1e-10, int max_iter = 100000);

}  // namespace horizon
