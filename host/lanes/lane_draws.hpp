// What a step draws on every lane: its Gaussian normals here, a model's
// own draws (the logistic minibatch: lane_minibatch.hpp) beside it. Draws
// depend only on each lane's seed and the step n (docs/algorithm.md §3),
// never on T or on the state, so one set serves every group of a lane family
// (lane_family.hpp) whose lane r holds the same seed: drawn once per step,
// read by all of them.
#pragma once

#include <cstdint>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/gradient_noise.hpp"
#include "horizon/result.hpp"
#include "horizon/rng.hpp"
#include "lanes/lanes_simd.hpp"

namespace horizon {
namespace reference {
namespace {

struct LaneKeys {  // each lane's seed as the two Philox key words
  std::uint32_t key0[R], key1[R];
};

// Lane r runs specs[r]; idle lanes (specs shorter than R) repeat lane 0.
inline LaneKeys lane_keys(const std::vector<RunSpec>& specs) {
  LaneKeys keys;
  for (int r = 0; r < R; ++r) {
    const RunSpec& spec = specs[r < static_cast<int>(specs.size()) ? r : 0];
    keys.key0[r] = static_cast<std::uint32_t>(spec.seed);
    keys.key1[r] = static_cast<std::uint32_t>(spec.seed >> 32);
  }
  return keys;
}

class LaneNormals {
 public:
  LaneNormals(int K, int d)
      : K_(K), d_(d), z_cos_(static_cast<std::size_t>(noise_quads(K, d)) * 2 * R), z_sin_(z_cos_.size()),
        word_a_(z_cos_.size()), word_b_(z_cos_.size()), words_(static_cast<std::size_t>(noise_quads(K, d)) * 4 * R) {}

  // The K·d normals of step n on every lane: Philox on 8 lanes, then
  // Box–Muller, draw e in z_cos_ (e even) or z_sin_ (e odd) at e / 2.
  void draw(const LaneKeys& keys, std::int64_t n) {
    const int calls = noise_quads(K_, d_);
    philox_lanes_seq(keys.key0, keys.key1, 0, calls, 0, static_cast<std::uint32_t>(n),
                     rng::gradient_noise_stream << 28, reinterpret_cast<std::uint32_t(*)[4][R]>(words_.data()));
    for (int q = 0; q < calls; ++q)
      for (int half = 0; half < 2; ++half)
        for (int r = 0; r < R; ++r) {
          word_a_[(2 * q + half) * R + r] = words_[(q * 4 + 2 * half) * R + r];
          word_b_[(2 * q + half) * R + r] = words_[(q * 4 + 2 * half + 1) * R + r];
        }
    box_muller_block(word_a_.data(), word_b_.data(), z_cos_.data(), z_sin_.data(), 2 * calls * R);
  }

  // Where draw e of the step drawn last lies: in cosines() (e even) or
  // sines() (e odd) at (e / 2)·R, R lanes. Fixed for the object's life, so
  // a reader keeps the pointers (through the object, every Lane store in
  // between would make the compiler reload them: stores of lanes may alias).
  const double* cosines() const { return z_cos_.data(); }
  const double* sines() const { return z_sin_.data(); }

 private:
  int K_, d_;
  std::vector<double> z_cos_, z_sin_;           // the step's normals, pair-major
  std::vector<std::uint32_t> word_a_, word_b_;  // their Philox words
  std::vector<std::uint32_t> words_;            // [call][word][lane], as Philox gives them
};

// The draws of a model that draws nothing of its own (the quadratics).
struct NoDraws {
  template <class ProblemData>
  NoDraws(const ProblemData&, const AlgorithmConfig&) {}
  void draw(const LaneKeys&, std::int64_t) {}
};

}  // namespace
}  // namespace reference
}  // namespace horizon
