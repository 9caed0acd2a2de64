// Shared by the binding files of horizon._core (host/python): NumPy array
// types, arrays handed to Python without a copy, and notices written to
// Python's sys.stderr. Internal to host/python.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "horizon/analysis.hpp"
#include "horizon/backend.hpp"
#include "horizon/check.hpp"
#include "horizon/config.hpp"
#include "horizon/error.hpp"
#include "horizon/experiment.hpp"
#include "horizon/io_error.hpp"
#include "horizon/logistic.hpp"
#include "horizon/parse.hpp"
#include "horizon/problem.hpp"
#include "horizon/runs_csv.hpp"
#include "horizon/sweep.hpp"
#include "horizon/version.hpp"
#include "io/checked_file.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace horizon {
namespace py {

using Vector = nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using AnyArray = nb::ndarray<const double, nb::c_contig, nb::device::cpu>;
using Matrix = nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

// ---------------------------------------------------------------- output to sys.stderr

// A stream buffer that hands each line to Python's sys.stderr (so notices
// and the progress line show in notebooks too), taking the GIL to do so.
class PyStderrBuf : public std::stringbuf {
 public:
  ~PyStderrBuf() override { flush_to_python(); }
  int sync() override {
    flush_to_python();
    return 0;
  }
  void flush_to_python() {
    std::string text = str();
    if (text.empty()) return;
    str("");
    nb::gil_scoped_acquire gil;
    nb::object err = nb::module_::import_("sys").attr("stderr");
    if (err.is_none()) return;
    err.attr("write")(text);
    err.attr("flush")();
  }
};

// ---------------------------------------------------------------- arrays out

// A NumPy array that owns `v` (no copy): freed when the array is.
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(std::vector<T>&& v, std::initializer_list<std::size_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(heap->data(), shape.size(), shape.begin(), owner);
}
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(std::vector<T>&& v) {
  const std::size_t n = v.size();
  return to_numpy(std::move(v), {n});
}

// A read-only view of memory owned by `owner` (a Python object keeping it alive).
inline nb::ndarray<nb::numpy, const double> view(const std::vector<double>& v, std::initializer_list<std::size_t> shape,
                                          nb::handle owner) {
  return nb::ndarray<nb::numpy, const double>(v.data(), shape.size(), shape.begin(), owner);
}

inline std::vector<double> copy(const double* data, std::size_t n) { return std::vector<double>(data, data + n); }

// The parts of the module, each in its own file: problems (bind_problems.cpp),
// run and sweep (bind_runs.cpp), analyze and check (bind_analysis.cpp).
void bind_problems(nb::module_& m);
void bind_runs(nb::module_& m);
void bind_analysis(nb::module_& m);

}  // namespace py
}  // namespace horizon
