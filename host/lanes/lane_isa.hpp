// Which instruction set the lane paths (lanes.hpp) run with. Each lane file
// is compiled once per level (AVX-512, AVX2, baseline x86-64) and a call
// runs the best level the CPU has; the environment variable
// HORIZON_CPU_ISA=avx512|avx2|baseline caps it, so the AVX2 code can be
// timed and tested on an AVX-512 machine. Every level gives the same bits
// (tests/lanes_test.cpp runs each one the CPU has against the reference).
#pragma once

namespace horizon {
namespace reference {

enum class LaneIsa { baseline = 0, avx2 = 1, avx512 = 2 };

// The best level this CPU supports.
LaneIsa lane_isa_supported();
// The level the lane paths use: the supported one, capped by HORIZON_CPU_ISA
// (read once; an unknown value is ignored with a message on stderr).
LaneIsa lane_isa();
const char* lane_isa_name(LaneIsa isa);

}  // namespace reference
}  // namespace horizon
