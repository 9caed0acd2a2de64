// The lane paths for the baseline level (lane_isa.hpp): four SSE2 registers per value (baseline x86-64).
// lane_vec.hpp says why the value type follows the instruction set.
// Wide vector values pass only between inline functions here (lane_vec.hpp).
#pragma GCC diagnostic ignored "-Wpsabi"
#define HORIZON_LANE_VEC 2
#include "lanes/lane_entry.hpp"
#include "lanes/logistic_lane_model.hpp"
#include "lanes/quadratic_lane_model.hpp"

namespace horizon {
namespace reference {
HORIZON_LANE_DEFINE(baseline, __attribute__((flatten)))
}  // namespace reference
}  // namespace horizon
