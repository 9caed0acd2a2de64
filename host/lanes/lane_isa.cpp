#include "lanes/lane_isa.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace horizon {
namespace reference {

LaneIsa lane_isa_supported() {
  // The AVX-512 level is compiled for AVX512F only (no DQ/VL/BW needed).
  if (__builtin_cpu_supports("avx512f")) return LaneIsa::avx512;
  if (__builtin_cpu_supports("avx2")) return LaneIsa::avx2;
  return LaneIsa::baseline;
}

const char* lane_isa_name(LaneIsa isa) {
  switch (isa) {
    case LaneIsa::avx512: return "avx512";
    case LaneIsa::avx2: return "avx2";
    default: return "baseline";
  }
}

namespace {
LaneIsa resolve() {
  const LaneIsa best = lane_isa_supported();
  const char* cap = std::getenv("HORIZON_CPU_ISA");
  if (!cap || !*cap) return best;
  for (LaneIsa isa : {LaneIsa::baseline, LaneIsa::avx2, LaneIsa::avx512})
    if (!std::strcmp(cap, lane_isa_name(isa))) return isa < best ? isa : best;
  std::fprintf(stderr, "horizon: ignoring HORIZON_CPU_ISA=%s (use avx512, avx2 or baseline)\n", cap);
  return best;
}
}  // namespace

LaneIsa lane_isa() {
  static const LaneIsa isa = resolve();
  return isa;
}

}  // namespace reference
}  // namespace horizon
