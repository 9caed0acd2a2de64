// horizon._core: analyze (a DIR or DataFrame columns) and check.
#include "bindings_common.hpp"

namespace horizon {
namespace py {
namespace {

// ---------------------------------------------------------------- analysis

AnalysisOptions analysis_options(const std::string& metric, std::int64_t bootstrap, std::uint64_t seed,
                                 double max_diverged) {
  AnalysisOptions o;
  o.metric = parse_metric(metric, "metric");
  if (bootstrap < 0) throw InputError("bootstrap", "must be >= 0 (got " + std::to_string(bootstrap) + ")");
  o.bootstrap = static_cast<int>(std::min<std::int64_t>(bootstrap, INT32_MAX));
  o.seed = seed;
  if (!(max_diverged >= 0 && max_diverged <= 1))
    throw InputError("max_diverged", "must be a fraction in [0, 1] (got " + format_number(max_diverged) + ")");
  o.max_diverged = max_diverged;
  return o;
}

DirAnalysis analyze_dir(const std::string& dir, const std::string& metric, std::int64_t bootstrap, std::uint64_t seed,
                        double max_diverged, bool allow_partial, bool write_summary) {
  const AnalysisOptions o = analysis_options(metric, bootstrap, seed, max_diverged);
  PyStderrBuf buf;
  std::ostream warnings(&buf);
  DirAnalysis d;
  {
    nb::gil_scoped_release release;
    d = analyze_sweep_dir(dir, o, allow_partial, warnings);
    if (write_summary) io::write_file_atomically(dir + "/summary.json", summary_json(d).dump(2) + "\n");
    warnings.flush();
  }
  return d;
}

using IntColumn = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using SeedColumn = nb::ndarray<const std::uint64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using BoolColumn = nb::ndarray<const bool, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

DirAnalysis analyze_columns(const IntColumn& T, const IntColumn& N, const SeedColumn& seed, const IntColumn& rounds,
                            const IntColumn& steps, const Vector& val_loss, const Vector& phi, const Vector& fw_gap,
                            const BoolColumn& diverged, const Matrix& w, const Vector& val_acc,
                            const std::string& metric, std::int64_t bootstrap, std::uint64_t boot_seed,
                            double max_diverged) {
  const AnalysisOptions o = analysis_options(metric, bootstrap, boot_seed, max_diverged);
  const std::size_t n = T.shape(0);
  for (std::size_t len : {N.shape(0), seed.shape(0), rounds.shape(0), steps.shape(0), val_loss.shape(0), phi.shape(0),
                          fw_gap.shape(0), diverged.shape(0), w.shape(0), val_acc.shape(0)})
    if (len != n) throw InputError("runs", "columns of different lengths");
  if (n == 0) throw InputError("runs", "no rows");
  DirAnalysis d;
  {
    nb::gil_scoped_release release;
    RunsFile f;
    f.path = "DataFrame";
    f.rows.resize(n);
    const std::size_t K = w.shape(1);
    for (std::size_t i = 0; i < n; ++i) {
      SweepRow& r = f.rows[i];
      r.T = T.data()[i], r.N = N.data()[i], r.seed = seed.data()[i], r.rounds = rounds.data()[i];
      r.steps = steps.data()[i], r.val_loss = val_loss.data()[i], r.phi = phi.data()[i];
      r.fw_gap = fw_gap.data()[i], r.val_acc = val_acc.data()[i], r.diverged = diverged.data()[i];
      r.w.assign(w.data() + i * K, w.data() + (i + 1) * K);
    }
    check_metrics_finite(f, o.metric);
    d.source["runs_csv"] = nullptr;
    d.source["manifest"] = nullptr;
    d.source["allow_partial"] = true;
    d.analysis = analyze(f.rows, o);
  }
  return d;
}

std::pair<bool, std::vector<std::string>> check_analysis(const DirAnalysis& d, std::optional<std::string> law,
                                                         double min_r2, std::optional<std::pair<double, double>> exponent,
                                                         std::optional<std::string> baseline_json, double tolerance,
                                                         std::optional<double> greedy_margin) {
  CheckExpectation e;
  if (law) {
    if (*law != "log" && *law != "sqrt_nlogn" && *law != "power")
      throw InputError("expect", "unknown law '" + *law + "' (expected log, sqrt_nlogn or power)");
    e.law = law;
  }
  if (!(min_r2 >= 0 && min_r2 <= 1)) throw InputError("min_r2", "must be in [0, 1] (got " + format_number(min_r2) + ")");
  e.min_r2 = min_r2;
  if (exponent) {
    if (!(exponent->first >= 0) || !(exponent->second >= exponent->first))
      throw InputError("exponent", "expected (LO, HI) with 0 <= LO <= HI (got (" + format_number(exponent->first) +
                                       ", " + format_number(exponent->second) + "))");
    e.exponent = exponent;
  }
  if (baseline_json) {
    try {
      e.baseline = nlohmann::json::parse(*baseline_json);
    } catch (const nlohmann::json::exception& ex) {
      throw InputError("baseline", std::string("not valid JSON: ") + ex.what());
    }
    validate_baseline(*e.baseline);
  }
  if (!(tolerance > 0) || !std::isfinite(tolerance))
    throw InputError("tolerance", "must be a finite number > 0 (got " + format_number(tolerance) + ")");
  e.tolerance = tolerance;
  if (greedy_margin) {
    if (!(*greedy_margin >= 0) || !std::isfinite(*greedy_margin))
      throw InputError("greedy_margin", "must be a finite number >= 0 (got " + format_number(*greedy_margin) + ")");
    e.greedy_margin = greedy_margin;
  }
  CheckVerdict v;
  try {
    v = check(d.analysis, e);
  } catch (const nlohmann::json::exception& ex) {
    throw InputError("baseline", std::string("unexpected content: ") + ex.what());
  }
  return {v.pass, v.lines};
}

}  // namespace

void bind_analysis(nb::module_& m) {
  nb::class_<DirAnalysis>(m, "_Analysis")
      .def("summary_json", [](const DirAnalysis& d) { return summary_json(d).dump(); })
      .def("text", [](const DirAnalysis& d) {
        std::ostringstream os;
        print_analysis(os, d.analysis);
        return os.str();
      });
  m.def("analyze_dir", &analyze_dir, "dir"_a, "metric"_a, "bootstrap"_a, "seed"_a, "max_diverged"_a,
        "allow_partial"_a, "write_summary"_a);
  m.def("analyze_columns", &analyze_columns, "T"_a, "N"_a, "seed"_a, "rounds"_a, "steps"_a, "val_loss"_a, "phi"_a,
        "fw_gap"_a, "diverged"_a, "w"_a, "val_acc"_a, "metric"_a, "bootstrap"_a, "boot_seed"_a, "max_diverged"_a);
  m.def("check", &check_analysis, "analysis"_a, "law"_a.none(), "min_r2"_a, "exponent"_a.none(),
        "baseline_json"_a.none(), "tolerance"_a, "greedy_margin"_a.none());
}

}  // namespace py
}  // namespace horizon
