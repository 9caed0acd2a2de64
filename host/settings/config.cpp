// Names and validation of the algorithm settings.
#include "horizon/config.hpp"

#include <cmath>
#include <cstdio>

#include "horizon/error.hpp"

namespace horizon {

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest representation that reads back the same.
  for (int prec = 1; prec <= 17; ++prec) {
    char s[32];
    std::snprintf(s, sizeof s, "%.*g", prec, v);
    if (std::strtod(s, nullptr) == v || std::isnan(v)) return s;
  }
  return buf;
}

std::string to_string(UpdateKind k) { return k == UpdateKind::exponentiated ? "exponentiated" : "projected"; }
std::string to_string(InnerScheduleKind k) { return k == InnerScheduleKind::constant ? "constant" : "inverse_time"; }
std::string to_string(OuterScheduleKind k) { return k == OuterScheduleKind::constant ? "constant" : "inv_sqrt"; }

UpdateKind parse_update_kind(const std::string& s, const std::string& field) {
  if (s == "exponentiated") return UpdateKind::exponentiated;
  if (s == "projected") return UpdateKind::projected;
  throw InputError(field, "unknown value '" + s + "' (expected exponentiated or projected)");
}

InnerScheduleKind parse_inner_schedule(const std::string& s, const std::string& field) {
  if (s == "constant") return InnerScheduleKind::constant;
  if (s == "inverse_time") return InnerScheduleKind::inverse_time;
  throw InputError(field, "unknown value '" + s + "' (expected constant or inverse_time)");
}

OuterScheduleKind parse_outer_schedule(const std::string& s, const std::string& field) {
  if (s == "constant") return OuterScheduleKind::constant;
  if (s == "inv_sqrt") return OuterScheduleKind::inv_sqrt;
  throw InputError(field, "unknown value '" + s + "' (expected constant or inv_sqrt)");
}

std::string to_string(NoiseKind k) { return k == NoiseKind::gaussian ? "gaussian" : "minibatch"; }

NoiseKind parse_noise_kind(const std::string& s, const std::string& field) {
  if (s == "gaussian") return NoiseKind::gaussian;
  if (s == "minibatch") return NoiseKind::minibatch;
  throw InputError(field, "unknown value '" + s + "' (expected gaussian or minibatch)");
}

void validate(const AlgorithmConfig& cfg) {
  auto positive = [](double v, const char* field) {
    if (!std::isfinite(v) || !(v > 0)) throw InputError(field, "must be a finite number > 0 (got " + format_number(v) + ")");
  };
  auto nonnegative = [](double v, const char* field) {
    if (!std::isfinite(v) || !(v >= 0)) throw InputError(field, "must be a finite number >= 0 (got " + format_number(v) + ")");
  };
  positive(cfg.inner.eta0, "--inner-lr");
  positive(cfg.outer.alpha0, "--outer-lr");
  nonnegative(cfg.inner.gamma, "--inner-decay");
  nonnegative(cfg.noise_sigma, "--noise");
  if (cfg.noise_kind == NoiseKind::minibatch) {
    if (cfg.batch < 1) throw InputError("--batch", "minibatch noise needs a batch size >= 1 (got " + std::to_string(cfg.batch) + ")");
    if (cfg.noise_sigma > 0)
      throw InputError("--noise", "gaussian sigma " + format_number(cfg.noise_sigma) + " cannot be combined with --noise-kind minibatch");
  }
}

}  // namespace horizon
