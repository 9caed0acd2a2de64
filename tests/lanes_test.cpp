// The lane-batched CPU path equals the plain reference bit for bit: same
// operations in the same order, vectorised across runs, and checkpoints read
// from the running trajectory equal the reference's forked leftover steps.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <random>
#include <utility>
#include <vector>

#include "horizon/backend.hpp"
#include "lanes/lanes.hpp"
#include "lanes/lanes_simd.hpp"
#include "reference/logistic_math.hpp"
#include "reference/reference.hpp"
#include "support.hpp"

namespace horizon {
namespace {

// Every instruction-set level of the lane paths this CPU can run (each is
// compiled separately and must give the reference's bits).
std::vector<reference::LaneIsa> lane_isas() {
  std::vector<reference::LaneIsa> out;
  for (auto isa : {reference::LaneIsa::baseline, reference::LaneIsa::avx2, reference::LaneIsa::avx512})
    if (isa <= reference::lane_isa_supported()) out.push_back(isa);
  return out;
}

struct LaneCase {
  int d, K, runs;
  bool diagonal;
  double noise;
  UpdateKind update;
  InnerScheduleKind schedule;
};

class Lanes : public ::testing::TestWithParam<LaneCase> {};

TEST_P(Lanes, EqualReferenceBitForBit) {
  const LaneCase c = GetParam();
  const QuadraticProblem p = test::random_problem(c.d, c.K, c.diagonal, 500 + c.d + 7 * c.K);
  AlgorithmConfig cfg = test::basic_config(0.45, 0.7);
  cfg.noise_sigma = c.noise;
  cfg.update = c.update;
  cfg.inner.kind = c.schedule;
  cfg.inner.gamma = 0.03;
  cfg.outer.kind = OuterScheduleKind::inv_sqrt;
  const std::vector<std::int64_t> budgets = {1, 5, 37, 64, 101};
  // Each group mixes horizons (dividing and not dividing the budgets, above N).
  const std::vector<std::int64_t> horizons = {1, 3, 16, 200, 7, 64, 2, 101};
  for (int shift = 0; shift < 3; ++shift)
   for (reference::LaneIsa isa : lane_isas()) {
    SCOPED_TRACE(std::string("isa ") + reference::lane_isa_name(isa));
    std::vector<RunSpec> specs;
    for (int r = 0; r < c.runs; ++r) specs.push_back({horizons[(r + shift) % horizons.size()], 1000 + 17u * r + shift});
    const auto lanes = reference::run_quadratic_lanes(p, cfg, specs, budgets, isa);
    ASSERT_EQ(lanes.size(), specs.size());
    for (int r = 0; r < c.runs; ++r) {
      const RunResult ref = reference::run(p, cfg, specs[r], budgets);
      ASSERT_EQ(lanes[r].checkpoints.size(), ref.checkpoints.size());
      EXPECT_EQ(lanes[r].spec.seed, specs[r].seed);
      EXPECT_EQ(lanes[r].spec.T, specs[r].T);
      for (std::size_t i = 0; i < budgets.size(); ++i) {
        const Checkpoint &a = lanes[r].checkpoints[i], &b = ref.checkpoints[i];
        SCOPED_TRACE("T=" + std::to_string(specs[r].T) + " run " + std::to_string(r) + " N=" + std::to_string(b.N));
        EXPECT_EQ(a.rounds, b.rounds);
        EXPECT_EQ(a.diverged, b.diverged);
        EXPECT_EQ(a.theta, b.theta);  // bitwise
        EXPECT_EQ(a.w, b.w);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Lanes,
    ::testing::Values(LaneCase{5, 3, 8, false, 0.1, UpdateKind::exponentiated, InnerScheduleKind::constant},
                      LaneCase{7, 1, 3, false, 0.0, UpdateKind::projected, InnerScheduleKind::inverse_time},
                      LaneCase{33, 5, 1, true, 0.2, UpdateKind::exponentiated, InnerScheduleKind::inverse_time},
                      LaneCase{2, 2, 7, true, 0.0, UpdateKind::projected, InnerScheduleKind::constant},
                      LaneCase{13, 4, 8, false, 0.3, UpdateKind::projected, InnerScheduleKind::constant}),
    [](const auto& info) {  // readable, stable CTest names
      const LaneCase& c = info.param;
      return std::to_string(info.index) + "_d" + std::to_string(c.d) + "_K" + std::to_string(c.K) + "_runs" +
             std::to_string(c.runs) + (c.diagonal ? "_diagonal" : "_dense");
    });

// exp_lanes and the lane sigmoid compiled for the AVX-512 and AVX2 levels, as
// the lane files compile them (there floor and trunc are single rounding
// instructions; elsewhere GCC's portable expansion).
namespace {
template <class V>
inline void exp_and_sigmoid(const reference::Lane& in, reference::Lane& e, reference::Lane& s) {
  reference::put(e, reference::exp_lanes(reference::get<V>(in)));
  reference::put(s, reference::sigmoid_neg_lanes(reference::get<V>(in)));
}
__attribute__((target("avx512f"), flatten)) void exp_and_sigmoid_avx512(const reference::Lane& in, reference::Lane& e,
                                                                       reference::Lane& s) {
  exp_and_sigmoid<reference::Vec8>(in, e, s);
}
__attribute__((target("avx2"), flatten)) void exp_and_sigmoid_avx2(const reference::Lane& in, reference::Lane& e,
                                                                  reference::Lane& s) {
  exp_and_sigmoid<reference::Vec4x2>(in, e, s);
}
}  // namespace

// exp_lanes and the lane sigmoid against the scalar functions the reference
// uses: bit for bit, on random arguments over the whole range (overflow,
// gradual underflow, the clamps), integers and half-integers of log 2 (where
// floor and the halving of k matter), signed zeros and ties of the sigmoid.
TEST(Lanes, ExpAndSigmoidEqualScalarBitForBit) {
  using namespace reference;
  std::vector<double> xs = {0.0, -0.0, 1.0, -1.0, 709.7, 710.0, 711.0, -745.1, -746.0, -800.0, 1e-300, -1e-300,
                            std::log(2.0) * 0.5, -std::log(2.0) * 0.5, std::log(2.0) * 1.5, -std::log(2.0) * 3.5};
  for (int k = -1100; k <= 1030; ++k) xs.push_back(k * std::log(2.0)), xs.push_back((k + 0.5) * std::log(2.0));
  std::mt19937_64 gen(20261202);
  std::uniform_real_distribution<double> wide(-760.0, 720.0), narrow(-40.0, 40.0);
  for (int i = 0; i < 20000; ++i) xs.push_back(i % 2 ? wide(gen) : narrow(gen));
  while (xs.size() % R) xs.push_back(0.25);
  // Each value type of lane_vec.hpp (one per instruction-set level; GCC
  // vectors run on any x86-64, so all three are checked on every machine).
  using Kernel = void (*)(const Lane&, Lane&, Lane&);
  const auto check = [&](Kernel kernel, const char* type) {
    SCOPED_TRACE(type);
    for (std::size_t i = 0; i < xs.size(); i += R) {
      Lane in, e, s;
      for (int r = 0; r < R; ++r) in.x[r] = xs[i + r];
      kernel(in, e, s);
      for (int r = 0; r < R; ++r) {
        EXPECT_EQ(rng::double_bits(e.x[r]), rng::double_bits(portable_exp(in.x[r]))) << "exp(" << in.x[r] << ")";
        EXPECT_EQ(rng::double_bits(s.x[r]), rng::double_bits(logistic::sigmoid_neg(in.x[r])))
            << "sigmoid(" << in.x[r] << ")";
      }
    }
  };
  check(exp_and_sigmoid<Vec8>, "Vec8");
  check(exp_and_sigmoid<Vec4x2>, "Vec4x2");
  check(exp_and_sigmoid<Vec2x4>, "Vec2x4");
  if (__builtin_cpu_supports("avx512f")) check(exp_and_sigmoid_avx512, "Vec8, AVX-512 code");
  if (__builtin_cpu_supports("avx2")) check(exp_and_sigmoid_avx2, "Vec4x2, AVX2 code");
}

// Box–Muller on lanes (the gradient noise of every lane step) against
// rng::box_muller, bit for bit, for each value type: random words plus the
// edges — u at its extremes, quarter-turn fractions 0, ½ and just around
// them, every quadrant boundary.
TEST(Lanes, BoxMullerEqualsScalarBitForBit) {
  using namespace reference;
  std::vector<std::uint32_t> a = {0u, 1u, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0xb504f333u, 0xb504f334u, 12345u};
  std::vector<std::uint32_t> b = {0u, 0x20000000u, 0x1fffffffu, 0x20000001u, 0x3fffffffu, 0x40000000u,
                                  0x60000000u, 0x80000000u, 0xa0000000u, 0xc0000000u, 0xe0000000u, 0xffffffffu,
                                  0x7fffffffu, 0xbfffffffu, 1u, 0x40000001u};
  std::mt19937 gen(11);
  while (a.size() < 4096) a.push_back(static_cast<std::uint32_t>(gen()));
  while (b.size() < a.size()) b.push_back(static_cast<std::uint32_t>(gen()));
  std::vector<std::uint32_t> bb(a.size());
  // Every edge word of b meets every edge word of a (16 and 8 are coprime to 7).
  for (std::size_t i = 0; i < a.size(); ++i) bb[i] = b[(i * 7) % b.size()];
  const auto check = [&](auto zero, const char* type) {
    using V = decltype(zero);
    SCOPED_TRACE(type);
    for (std::size_t i = 0; i < a.size(); i += R) {
      double z0[R], z1[R];
      box_muller_lanes<V>(&a[i], &bb[i], z0, z1);
      for (int r = 0; r < R; ++r) {
        double w0, w1;
        rng::box_muller(a[i + r], bb[i + r], &w0, &w1);
        EXPECT_EQ(rng::double_bits(z0[r]), rng::double_bits(w0)) << "a=" << a[i + r] << " b=" << bb[i + r];
        EXPECT_EQ(rng::double_bits(z1[r]), rng::double_bits(w1)) << "a=" << a[i + r] << " b=" << bb[i + r];
      }
    }
  };
  check(Vec8{}, "Vec8");
  check(Vec4x2{}, "Vec4x2");
  check(Vec2x4{}, "Vec2x4");
}

// The split value types keep lane order: lane r of a Pair is lane r of the
// Lane it was loaded from, through loads, stores, arithmetic and selects.
TEST(Lanes, SplitVectorsKeepLaneOrder) {
  using namespace reference;
  Lane a, b;
  for (int r = 0; r < R; ++r) a.x[r] = r + 1.0, b.x[r] = 10.0 * (r + 1);
  const auto check = [&](auto zero) {
    using V = decltype(zero);
    Lane out;
    put(out, select(get<V>(a) > vsplat<V>(4.5), get<V>(b) - get<V>(a), -get<V>(a) * 2.0));
    for (int r = 0; r < R; ++r) EXPECT_EQ(out.x[r], a.x[r] > 4.5 ? b.x[r] - a.x[r] : -a.x[r] * 2.0) << r;
  };
  check(Vec8{});
  check(Vec4x2{});
  check(Vec2x4{});
}

// The minibatch gather: the dispatched path (AVX-512 transposes where the CPU
// has it) and the AVX2 4×4 one equal the plain loop for every width, full
// blocks and tails.
TEST(Lanes, RowsToLanesEqualsThePlainLoop) {
  using namespace reference;
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int d : {1, 3, 7, 8, 9, 16, 20, 33}) {
    std::vector<double> data(static_cast<std::size_t>(13) * d);
    for (double& v : data) v = u(gen);
    const double* rows[R];
    for (int r = 0; r < R; ++r) rows[r] = data.data() + static_cast<std::size_t>((5 * r + 3) % 13) * d;
    std::vector<Lane> fast(d + 1, splat(-7.0)), plain(d + 1, splat(-7.0)), avx2(d + 1, splat(-7.0));
    rows_to_lanes(rows, d, fast.data());
    rows_to_lanes_portable(rows, d, plain.data());
    if (__builtin_cpu_supports("avx2")) rows_to_lanes_avx2(rows, d, avx2.data());
    for (int l = 0; l <= d; ++l)  // l = d: the Lane past the end stays untouched
      for (int r = 0; r < R; ++r) {
        EXPECT_EQ(fast[l].x[r], plain[l].x[r]) << "d=" << d << " l=" << l << " r=" << r;
        if (__builtin_cpu_supports("avx2")) {
          EXPECT_EQ(avx2[l].x[r], plain[l].x[r]) << "avx2 d=" << d << " l=" << l << " r=" << r;
        }
      }
    for (int r = 0; r < R; ++r) EXPECT_EQ(plain[0].x[r], rows[r][0]);
  }
}

TEST(Lanes, PhiloxOnLanesEqualsRandom123BothPaths) {
  // The AVX2 path runs wherever the CPU has AVX2; the portable path is the
  // fallback elsewhere. Both must give Random123's words for per-lane keys.
  std::uint64_t state = 12345;
  auto next = [&] { return static_cast<std::uint32_t>((state = state * 6364136223846793005ull + 1442695040888963407ull) >> 32); };
  for (int trial = 0; trial < 200; ++trial) {
    std::uint32_t k0[reference::lanes], k1[reference::lanes], a[4][reference::lanes], b[4][reference::lanes];
    for (int r = 0; r < reference::lanes; ++r) k0[r] = next(), k1[r] = next();
    const std::uint32_t c0 = next(), c1 = next(), c2 = next(), c3 = next();
    reference::philox_lanes_portable(k0, k1, c0, c1, c2, c3, a);
    if (__builtin_cpu_supports("avx2")) reference::philox_lanes_avx2(k0, k1, c0, c1, c2, c3, b);
    for (int r = 0; r < reference::lanes; ++r) {
      const auto want = rng::philox((static_cast<std::uint64_t>(k1[r]) << 32) | k0[r], c0, c1, c2, c3);
      for (int w = 0; w < 4; ++w) {
        EXPECT_EQ(a[w][r], want.v[w]);
        if (__builtin_cpu_supports("avx2")) {
          EXPECT_EQ(b[w][r], want.v[w]);
        }
      }
    }
  }
}

// Several consecutive Philox calls at once (two interleaved on AVX2; four,
// two and one on AVX-512), on every path this CPU has: the words of one
// Random123 call per counter, for counts with every remainder.
TEST(Lanes, PhiloxSequenceEqualsOneCallPerCounter) {
  using Seq = void (*)(const std::uint32_t*, const std::uint32_t*, std::uint32_t, int, std::uint32_t, std::uint32_t,
                       std::uint32_t, std::uint32_t (*)[4][reference::lanes]);
  std::vector<std::pair<const char*, Seq>> paths = {{"dispatched", reference::philox_lanes_seq}};
  if (__builtin_cpu_supports("avx2")) paths.push_back({"avx2", reference::philox_lanes_seq_avx2});
  if (__builtin_cpu_supports("avx512f")) paths.push_back({"avx512", reference::philox_lanes_seq_avx512});
  std::uint64_t state = 987654321;  // per-lane keys with every bit pattern, counters near the wrap
  auto next = [&] { return static_cast<std::uint32_t>((state = state * 6364136223846793005ull + 1442695040888963407ull) >> 32); };
  for (const auto& [name, seq_fn] : paths)
    for (int count : {1, 2, 3, 4, 5, 6, 7, 8, 24, 25}) {
      std::uint32_t k0[reference::lanes], k1[reference::lanes];
      for (int r = 0; r < reference::lanes; ++r) k0[r] = next(), k1[r] = next();
      const std::uint32_t c0 = count % 2 ? 0xfffffffeu : next(), c1 = next(), c2 = next(), c3 = next();
      std::vector<std::uint32_t> seq(static_cast<std::size_t>(count) * 4 * reference::lanes);
      seq_fn(k0, k1, c0, count, c1, c2, c3, reinterpret_cast<std::uint32_t(*)[4][reference::lanes]>(seq.data()));
      for (int i = 0; i < count; ++i)
        for (int r = 0; r < reference::lanes; ++r) {
          const auto want =
              rng::philox((static_cast<std::uint64_t>(k1[r]) << 32) | k0[r], c0 + static_cast<std::uint32_t>(i), c1, c2, c3);
          for (int w = 0; w < 4; ++w)
            EXPECT_EQ(seq[(static_cast<std::size_t>(i) * 4 + w) * reference::lanes + r], want.v[w])
                << name << " count " << count << " call " << i << " word " << w << " lane " << r;
        }
    }
}

// The logistic lanes sum in register tiles of 4 (examples, features and
// columns of S) with smaller tiles for the tails: shapes with every tail.
struct LogisticShape {
  int d, K, examples, validation, batch;
};

class LogisticLanes : public ::testing::TestWithParam<LogisticShape> {};

INSTANTIATE_TEST_SUITE_P(Shapes, LogisticLanes,
                         ::testing::Values(LogisticShape{7, 3, 23, 31, 5}, LogisticShape{1, 1, 4, 2, 1},
                                           LogisticShape{9, 5, 17, 13, 6}, LogisticShape{6, 8, 10, 9, 7}),
                         [](const auto& info) {
                           const LogisticShape& s = info.param;
                           return "d" + std::to_string(s.d) + "_K" + std::to_string(s.K) + "_n" +
                                  std::to_string(s.examples) + "_B" + std::to_string(s.batch);
                         });

TEST_P(LogisticLanes, EqualReferenceBitForBit) {
  const LogisticShape shape = GetParam();
  LogisticGeneratorParams g;
  g.d = shape.d;
  g.K = shape.K;
  g.aligned = shape.K - 1;
  g.examples = shape.examples;
  g.validation_examples = shape.validation;
  g.lambda = 0.05;
  g.lambda_v = 0.01;
  g.seed = 4;
  const LogisticProblem p = generate_logistic(g);
  for (int mode = 0; mode < 3; ++mode) {  // full gradients, minibatch, gaussian noise
    AlgorithmConfig cfg = test::basic_config(0.6, 0.9);
    if (mode == 1) cfg.noise_kind = NoiseKind::minibatch, cfg.batch = shape.batch;
    if (mode == 2) cfg.noise_sigma = 0.05;
    cfg.outer.kind = OuterScheduleKind::inv_sqrt;
    const std::vector<RunSpec> specs = {{1, 3}, {4, 3}, {7, 9}, {50, 2}, {3, 11}};
    const std::vector<std::int64_t> budgets = {2, 13, 40};
    for (reference::LaneIsa isa : lane_isas()) {
    SCOPED_TRACE(std::string("isa ") + reference::lane_isa_name(isa));
    const auto lanes = reference::run_logistic_lanes(p, cfg, specs, budgets, isa);
    for (std::size_t r = 0; r < specs.size(); ++r) {
      const RunResult ref = reference::run(p, cfg, specs[r], budgets);
      for (std::size_t i = 0; i < budgets.size(); ++i) {
        SCOPED_TRACE("mode " + std::to_string(mode) + " run " + std::to_string(r) + " N=" + std::to_string(budgets[i]));
        EXPECT_EQ(lanes[r].checkpoints[i].theta, ref.checkpoints[i].theta);
        EXPECT_EQ(lanes[r].checkpoints[i].w, ref.checkpoints[i].w);
      }
    }
    }
  }
}

TEST(Lanes, DivergingRunsFlaggedLikeTheReference) {
  const QuadraticProblem p = test::random_problem(4, 2, false, 8, 0.5, 2.0);
  const AlgorithmConfig cfg = test::basic_config(30.0, 1.0);
  const std::vector<std::int64_t> budgets = {6, 300};
  const std::vector<RunSpec> specs = {{5, 1}, {5, 2}, {3, 3}};
  const auto lanes = reference::run_quadratic_lanes(p, cfg, specs, budgets);
  for (int r = 0; r < 3; ++r) {
    const RunResult ref = reference::run(p, cfg, specs[r], budgets);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(lanes[r].checkpoints[i].diverged, ref.checkpoints[i].diverged);
      EXPECT_EQ(lanes[r].checkpoints[i].theta.size(), ref.checkpoints[i].theta.size());
    }
    EXPECT_TRUE(lanes[r].checkpoints[1].diverged);
  }
}

TEST(Lanes, BackendMixesGroupsAndSinglesConsistently) {
  // 11 runs over 2 values of T: groups of 8 and partial groups; same as reference.
  const QuadraticProblem p = test::random_problem(6, 3, false, 44);
  AlgorithmConfig cfg = test::basic_config();
  cfg.noise_sigma = 0.1;
  std::vector<RunSpec> specs;
  for (std::int64_t T : {2, 9})
    for (std::uint64_t s = 0; s < 11; ++s) specs.push_back({T, s});
  const auto results = make_cpu_backend(2)->run(p, cfg, specs, {50});
  for (std::size_t r = 0; r < specs.size(); ++r) {
    const RunResult ref = reference::run(p, cfg, specs[r], {50});
    EXPECT_EQ(results[r].spec.T, specs[r].T);
    EXPECT_EQ(results[r].checkpoints[0].theta, ref.checkpoints[0].theta);
  }
}

// A lane family draws each step's noise once for all its groups: every
// group's results equal the same group run alone (and so the reference),
// for each kind of draw — Gaussian (dense and diagonal quadratics, logistic)
// and minibatch rows — at every instruction-set level, with ragged groups.
TEST(LaneFamilies, EqualEachGroupRunAloneBitForBit) {
  const QuadraticProblem dense = test::random_problem(5, 3, false, 71);
  const QuadraticProblem diagonal = test::random_problem(9, 2, true, 72);
  LogisticGeneratorParams g;
  g.d = 6;
  g.K = 3;
  g.aligned = 2;
  g.examples = 40;
  g.validation_examples = 30;
  g.lambda = 0.05;
  g.seed = 5;
  const LogisticProblem logistic = generate_logistic(g);
  const std::vector<std::int64_t> budgets = {3, 17, 41};
  std::mt19937_64 rng(20261204);
  for (int width : {8, 3}) {
    std::vector<std::uint64_t> seeds;
    for (int r = 0; r < width; ++r) seeds.push_back(rng());
    reference::LaneFamily family;
    for (std::int64_t T : {1, 4, 16, 5, 50}) {  // per group one T for every lane, or mixed
      family.emplace_back();
      for (int r = 0; r < width; ++r) family.back().push_back({T == 5 ? 1 + r : T, seeds[r]});
    }
    for (reference::LaneIsa isa : lane_isas()) {
      SCOPED_TRACE(std::string("isa ") + reference::lane_isa_name(isa) + ", width " + std::to_string(width));
      const auto expect_alone = [&](const reference::LaneFamilyResults& got, auto&& alone) {
        ASSERT_EQ(got.size(), family.size());
        for (std::size_t f = 0; f < family.size(); ++f) {
          const std::vector<RunResult> ref = alone(family[f]);
          ASSERT_EQ(got[f].size(), ref.size());
          for (std::size_t r = 0; r < ref.size(); ++r) {
            EXPECT_EQ(got[f][r].spec.seed, family[f][r].seed);
            EXPECT_EQ(got[f][r].spec.T, family[f][r].T);
            for (std::size_t i = 0; i < budgets.size(); ++i) {
              SCOPED_TRACE("group " + std::to_string(f) + " lane " + std::to_string(r) + " N " + std::to_string(budgets[i]));
              EXPECT_EQ(got[f][r].checkpoints[i].theta, ref[r].checkpoints[i].theta);  // bitwise
              EXPECT_EQ(got[f][r].checkpoints[i].w, ref[r].checkpoints[i].w);
            }
          }
        }
      };
      AlgorithmConfig cfg = test::basic_config(0.4, 0.8);
      cfg.noise_sigma = 0.3;
      for (const QuadraticProblem* q : {&dense, &diagonal})
        expect_alone(reference::run_quadratic_lane_family(*q, cfg, family, budgets, isa),
                     [&](const std::vector<RunSpec>& s) { return reference::run_quadratic_lanes(*q, cfg, s, budgets, isa); });
      expect_alone(reference::run_logistic_lane_family(logistic, cfg, family, budgets, isa),
                   [&](const std::vector<RunSpec>& s) { return reference::run_logistic_lanes(logistic, cfg, s, budgets, isa); });
      AlgorithmConfig mini = test::basic_config(0.4, 0.8);
      mini.noise_kind = NoiseKind::minibatch;
      mini.batch = 7;
      expect_alone(reference::run_logistic_lane_family(logistic, mini, family, budgets, isa),
                   [&](const std::vector<RunSpec>& s) { return reference::run_logistic_lanes(logistic, mini, s, budgets, isa); });
      // And run alone, each lane is the plain reference.
      const RunResult ref = reference::run(logistic, mini, family[2][1], budgets);
      EXPECT_EQ(reference::run_logistic_lanes(logistic, mini, family[2], budgets, isa)[1].checkpoints[2].theta,
                ref.checkpoints[2].theta);
    }
  }
}

TEST(LaneFamilies, GroupsThatAreNoFamilyAreRefused) {
  const QuadraticProblem p = test::random_problem(3, 2, false, 9);
  const AlgorithmConfig cfg = test::basic_config();
  const std::vector<std::int64_t> budgets = {4};
  EXPECT_THROW(reference::run_quadratic_lane_family(p, cfg, {{{1, 1}, {1, 2}}, {{4, 1}, {4, 3}}}, budgets),
               std::logic_error);  // lane 1: seeds 2 and 3
  EXPECT_THROW(reference::run_quadratic_lane_family(p, cfg, {{{1, 1}, {1, 2}}, {{4, 1}}}, budgets),
               std::logic_error);  // sizes differ
  EXPECT_THROW(reference::run_quadratic_lane_family(p, cfg, {}, budgets), std::logic_error);
  EXPECT_NO_THROW(reference::run_quadratic_lane_family(p, cfg, {{{1, 1}, {1, 2}}, {{4, 1}, {4, 2}}}, budgets));
}

// The backend's families (several T per seed, seeds in any order, counts
// that differ per seed) give every run the reference's bits, on 1 and 2
// threads.
TEST(LaneFamilies, BackendSharesDrawsAcrossHorizons) {
  const QuadraticProblem p = test::random_problem(4, 3, false, 45);
  AlgorithmConfig cfg = test::basic_config();
  cfg.noise_sigma = 0.2;
  std::vector<RunSpec> specs;
  for (std::int64_t T : {1, 3, 8})
    for (std::uint64_t s = 0; s < 19; ++s) specs.push_back({T, 1000 + (s * 7) % 19});
  specs.push_back({5, 1003});  // a seed with one run more than the others
  specs.push_back({6, 77});    // a seed of its own
  for (int threads : {1, 2}) {
    const auto results = make_cpu_backend(threads)->run(p, cfg, specs, {11, 30});
    ASSERT_EQ(results.size(), specs.size());
    for (std::size_t r = 0; r < specs.size(); ++r) {
      const RunResult ref = reference::run(p, cfg, specs[r], {11, 30});
      EXPECT_EQ(results[r].spec.T, specs[r].T);
      EXPECT_EQ(results[r].spec.seed, specs[r].seed);
      for (int i = 0; i < 2; ++i) EXPECT_EQ(results[r].checkpoints[i].theta, ref.checkpoints[i].theta);
    }
  }
}

}  // namespace
}  // namespace horizon
