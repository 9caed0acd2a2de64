// The value types of the lane paths: 8 doubles, one per lane, in the
// registers the instruction set has.
//
//   Vec8         one GCC vector of 8 doubles: one AVX-512 register.
//   Pair<Vec4>   two GCC vectors of 4: two AVX2 registers.
//   Pair<Pair<Vec2>>  four vectors of 2: four SSE2 registers.
//
// Why not Vec8 everywhere: without AVX-512, GCC has no register mode for a
// 64-byte vector. It keeps every such value in memory and moves it in
// 16-byte and 8-byte pieces, so the next operation's 32-byte load cannot be
// forwarded from those stores; in the AVX2 lane code that made most of the
// run time store-forwarding stalls (docs/performance.md, issue #11). A Pair
// of register-sized vectors is split by GCC into its halves, which stay in
// registers.
//
// Every operation is elementwise IEEE (+, −, ×, ÷ of each lane, exact bit
// operations), so each representation computes the same bits per lane
// (tests/lanes_test.cpp checks the functions of lanes_simd.hpp on all three).
// Comparisons give a mask of the same shape (−1 / 0 per lane); select(m, a, b)
// is the lane-wise m ? a : b.
#pragma once

#include <cstdint>
#include <type_traits>

// Vector values only pass between inline functions of the lane files; the ABI
// note about wide vector returns in code compiled without AVX does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace horizon {
namespace reference {
namespace {

typedef double Vec8 __attribute__((vector_size(64)));
typedef double Vec4 __attribute__((vector_size(32)));
typedef double Vec2 __attribute__((vector_size(16)));
typedef long long Bits8 __attribute__((vector_size(64)));
typedef long long Bits4 __attribute__((vector_size(32)));
typedef long long Bits2 __attribute__((vector_size(16)));

// The bits of a native vector and back (same size, no conversion).
inline Bits8 to_bits(Vec8 v) { return reinterpret_cast<Bits8>(v); }
inline Bits4 to_bits(Vec4 v) { return reinterpret_cast<Bits4>(v); }
inline Bits2 to_bits(Vec2 v) { return reinterpret_cast<Bits2>(v); }
inline Vec8 from_bits(Bits8 b) { return reinterpret_cast<Vec8>(b); }
inline Vec4 from_bits(Bits4 b) { return reinterpret_cast<Vec4>(b); }
inline Vec2 from_bits(Bits2 b) { return reinterpret_cast<Vec2>(b); }

// Unaligned, aliasing views for loads and stores (what _mm256_loadu_pd does).
// Not memcpy: GCC expands a 64-byte memcpy into 16-byte moves through the
// stack, and the following 32-byte load of the value then stalls on them.
typedef double Vec8u __attribute__((vector_size(64), aligned(8), may_alias));
typedef double Vec4u __attribute__((vector_size(32), aligned(8), may_alias));
typedef double Vec2u __attribute__((vector_size(16), aligned(8), may_alias));
inline void load(const double* p, Vec8& v) { v = *reinterpret_cast<const Vec8u*>(p); }
inline void load(const double* p, Vec4& v) { v = *reinterpret_cast<const Vec4u*>(p); }
inline void load(const double* p, Vec2& v) { v = *reinterpret_cast<const Vec2u*>(p); }
inline void store(double* p, const Vec8& v) { *reinterpret_cast<Vec8u*>(p) = v; }
inline void store(double* p, const Vec4& v) { *reinterpret_cast<Vec4u*>(p) = v; }
inline void store(double* p, const Vec2& v) { *reinterpret_cast<Vec2u*>(p) = v; }

// 8 words (uint32) → 8 lanes of 64-bit integers, zero-extended.
typedef std::uint32_t Words8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef std::uint32_t Words4 __attribute__((vector_size(16), aligned(4), may_alias));
typedef std::uint32_t Words2 __attribute__((vector_size(8), aligned(4), may_alias));
inline void load_words(const std::uint32_t* p, Bits8& b) {
  b = __builtin_convertvector(*reinterpret_cast<const Words8*>(p), Bits8);
}
inline void load_words(const std::uint32_t* p, Bits4& b) {
  b = __builtin_convertvector(*reinterpret_cast<const Words4*>(p), Bits4);
}
inline void load_words(const std::uint32_t* p, Bits2& b) {
  b = __builtin_convertvector(*reinterpret_cast<const Words2*>(p), Bits2);
}

// √ per lane (IEEE, correctly rounded, as std::sqrt). GCC vectors have no
// sqrt operator; the loop over the lanes becomes one vsqrtpd with
// -fno-math-errno.
template <class V>
inline V sqrt_lanes(V v) {
  constexpr int n = sizeof(V) / sizeof(double);
  for (int r = 0; r < n; ++r) v[r] = __builtin_sqrt(v[r]);
  return v;
}

template <class M, class V>
inline V select(M m, V a, V b) {  // native vectors: GCC's lane-wise ?:
  return m ? a : b;
}

// Two halves: lanes 0 … n/2−1 in lo, the rest in hi (memory layout of the
// 8 doubles unchanged).
template <class H>
struct Pair {
  H lo, hi;
};

template <class T>
struct is_pair : std::false_type {};
template <class H>
struct is_pair<Pair<H>> : std::true_type {};
template <class S>
constexpr bool is_scalar_v = std::is_arithmetic_v<S>;

#define HORIZON_PAIR_BINARY(op)                                                  \
  template <class H>                                                             \
  inline Pair<H> operator op(const Pair<H>& a, const Pair<H>& b) {               \
    return {a.lo op b.lo, a.hi op b.hi};                                         \
  }                                                                              \
  template <class H, class S, std::enable_if_t<is_scalar_v<S>, int> = 0>         \
  inline Pair<H> operator op(const Pair<H>& a, S s) {                            \
    return {a.lo op s, a.hi op s};                                               \
  }                                                                              \
  template <class H, class S, std::enable_if_t<is_scalar_v<S>, int> = 0>         \
  inline Pair<H> operator op(S s, const Pair<H>& a) {                            \
    return {s op a.lo, s op a.hi};                                               \
  }                                                                              \
  template <class H, class T>                                                    \
  inline Pair<H>& operator op##=(Pair<H>& a, const T& b) {                       \
    return a = a op b;                                                           \
  }
HORIZON_PAIR_BINARY(+)
HORIZON_PAIR_BINARY(-)
HORIZON_PAIR_BINARY(*)
HORIZON_PAIR_BINARY(/)
HORIZON_PAIR_BINARY(&)
HORIZON_PAIR_BINARY(|)
HORIZON_PAIR_BINARY(<<)
HORIZON_PAIR_BINARY(>>)
#undef HORIZON_PAIR_BINARY

template <class H>
inline Pair<H> operator-(const Pair<H>& a) {
  return {-a.lo, -a.hi};
}

#define HORIZON_PAIR_COMPARE(op)                                     \
  template <class H>                                                 \
  inline auto operator op(const Pair<H>& a, const Pair<H>& b) {      \
    return Pair<decltype(a.lo op b.lo)>{a.lo op b.lo, a.hi op b.hi}; \
  }
HORIZON_PAIR_COMPARE(<)
HORIZON_PAIR_COMPARE(>)
HORIZON_PAIR_COMPARE(<=)
HORIZON_PAIR_COMPARE(>=)
HORIZON_PAIR_COMPARE(==)
#undef HORIZON_PAIR_COMPARE

template <class M, class H>
inline Pair<H> select(const Pair<M>& m, const Pair<H>& a, const Pair<H>& b) {
  return {select(m.lo, a.lo, b.lo), select(m.hi, a.hi, b.hi)};
}
template <class H>
inline void load(const double* p, Pair<H>& v) {
  load(p, v.lo);
  load(p + sizeof(H) / sizeof(double), v.hi);
}
template <class H>
inline void store(double* p, const Pair<H>& v) {
  store(p, v.lo);
  store(p + sizeof(H) / sizeof(double), v.hi);
}
template <class H>
inline void load_words(const std::uint32_t* p, Pair<H>& b) {
  load_words(p, b.lo);
  load_words(p + sizeof(H) / sizeof(long long), b.hi);
}
template <class H>
inline Pair<H> sqrt_lanes(const Pair<H>& v) {
  return {sqrt_lanes(v.lo), sqrt_lanes(v.hi)};
}
template <class H>
inline auto to_bits(const Pair<H>& v) {
  return Pair<decltype(to_bits(v.lo))>{to_bits(v.lo), to_bits(v.hi)};
}
template <class H>
inline auto from_bits(const Pair<H>& b) {
  return Pair<decltype(from_bits(b.lo))>{from_bits(b.lo), from_bits(b.hi)};
}

using Vec4x2 = Pair<Vec4>;
using Vec2x4 = Pair<Pair<Vec2>>;
static_assert(sizeof(Vec8) == 64 && sizeof(Vec4x2) == 64 && sizeof(Vec2x4) == 64, "8 doubles, no padding");

}  // namespace
}  // namespace reference
}  // namespace horizon
