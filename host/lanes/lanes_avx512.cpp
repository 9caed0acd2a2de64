// The lane paths for the avx512 level (lane_isa.hpp): one AVX-512 register per value (Vec8).
// lane_vec.hpp says why the value type follows the instruction set.
// Wide vector values pass only between inline functions here (lane_vec.hpp).
#pragma GCC diagnostic ignored "-Wpsabi"
#define HORIZON_LANE_VEC 8
#include "lanes/lane_entry.hpp"
#include "lanes/logistic_lane_model.hpp"
#include "lanes/quadratic_lane_model.hpp"

namespace horizon {
namespace reference {
HORIZON_LANE_DEFINE(avx512, __attribute__((target("avx512f"), flatten)))
}  // namespace reference
}  // namespace horizon
