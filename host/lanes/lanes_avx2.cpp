// The lane paths for the avx2 level (lane_isa.hpp): two AVX2 registers per value (Pair of Vec4).
// lane_vec.hpp says why the value type follows the instruction set.
// Wide vector values pass only between inline functions here (lane_vec.hpp).
#pragma GCC diagnostic ignored "-Wpsabi"
#define HORIZON_LANE_VEC 4
#include "lanes/lane_entry.hpp"
#include "lanes/logistic_lane_model.hpp"
#include "lanes/quadratic_lane_model.hpp"

namespace horizon {
namespace reference {
HORIZON_LANE_DEFINE(avx2, __attribute__((target("avx2"), flatten)))
}  // namespace reference
}  // namespace horizon
