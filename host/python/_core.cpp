// horizon._core — the nanobind extension behind the Python package (host/python/horizon).
//
// A thin layer over the library the CLI uses (horizon_core): it builds
// problems from NumPy arrays, resolves the algorithm and backend settings
// with the CLI's rules (experiment.hpp), runs sweeps through run_sweep and
// analyses through analyze / analyze_sweep_dir / check. The Python side
// (horizon/*.py) adds keyword arguments, pandas and the progress bar.
//
// The GIL is released while C++ computes; the sweep's on_saved callback takes
// it back between written batches to check for Ctrl-C (PyErr_CheckSignals)
// and to report progress. Errors: horizon::InputError → horizon.InputError
// (a ValueError), horizon::IoError → horizon.IoError (an OSError),
// std::bad_alloc → MemoryError, each with the CLI's one-line message.//
// This file is the module; its parts are bind_problems.cpp, bind_runs.cpp and
// bind_analysis.cpp (bindings_common.hpp holds what they share).
#include "bindings_common.hpp"

NB_MODULE(_core, m) {
  using namespace horizon;
  using namespace horizon::py;
  m.doc() = "horizon's C++ core (the library the CLI uses); use the `horizon` package, not this module.";

  nb::exception<InputError>(m, "InputError", PyExc_ValueError);
  nb::exception<IoError>(m, "IoError", PyExc_OSError);

  m.attr("__version__") = version_string();
  m.def("build_options", &build_options);
  m.def("git_commit", &git_commit);
  m.def("parse_int_list", &parse_int_list, "field"_a, "text"_a);

  bind_problems(m);
  bind_runs(m);
  bind_analysis(m);
}
