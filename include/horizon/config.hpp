// horizon/config.hpp — the algorithm's settings (docs/algorithm.md §2–§3).
//
// Everything here is fixed for a whole run: schedules, update rule, noise,
// budget/horizon. Kept apart from the evolving state (θ, S, w, n) so a step is
// a pure function of (problem, config, seed, n).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace horizon {

enum class UpdateKind { exponentiated, projected };
enum class InnerScheduleKind { constant, inverse_time };
enum class OuterScheduleKind { constant, inv_sqrt };
// gaussian: ĝ_j = ∇f_j + σξ (σ = 0: exact gradients). minibatch: ĝ_j is the
// gradient of B examples of domain j drawn with replacement (data-backed
// problems only); the sensitivity uses the same minibatch's Hessian.
enum class NoiseKind { gaussian, minibatch };

struct InnerSchedule {
  InnerScheduleKind kind = InnerScheduleKind::constant;
  double eta0 = 0.1;    // η₀
  double gamma = 0.0;   // decay γ of inverse_time
  bool restart = true;  // inverse_time counts t (true) or n (false)
};

struct OuterSchedule {
  OuterScheduleKind kind = OuterScheduleKind::constant;
  double alpha0 = 1.0;  // α₀
};

struct AlgorithmConfig {
  InnerSchedule inner;
  OuterSchedule outer;
  UpdateKind update = UpdateKind::exponentiated;
  NoiseKind noise_kind = NoiseKind::gaussian;
  double noise_sigma = 0.0;  // σ of gaussian gradient noise; 0 = exact gradients
  int batch = 0;             // B of minibatch noise
  // False when every seed gives the same run (exact gradients).
  bool stochastic() const { return noise_kind == NoiseKind::minibatch || noise_sigma > 0; }
};

// The largest budget we accept: the Philox counter holds n in 32 bits.
constexpr std::int64_t max_budget = (std::int64_t{1} << 32) - 1;

std::string to_string(UpdateKind k);
std::string to_string(InnerScheduleKind k);
std::string to_string(OuterScheduleKind k);
// Parse an enum name; throws InputError naming `field` on an unknown value.
UpdateKind parse_update_kind(const std::string& s, const std::string& field);
InnerScheduleKind parse_inner_schedule(const std::string& s, const std::string& field);
OuterScheduleKind parse_outer_schedule(const std::string& s, const std::string& field);
NoiseKind parse_noise_kind(const std::string& s, const std::string& field);
std::string to_string(NoiseKind k);

// Checks every number of the config (finite, positive rates, σ ≥ 0, γ ≥ 0).
void validate(const AlgorithmConfig& cfg);

}  // namespace horizon
