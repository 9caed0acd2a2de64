// Writing and reading DIR/runs.csv (runs_csv.hpp).
#include "horizon/runs_csv.hpp"

#include <cmath>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "horizon/error.hpp"
#include "horizon/io_error.hpp"
#include "horizon/parse.hpp"

namespace horizon {
namespace {

const char* const fixed_columns[] = {"T", "N", "seed", "rounds", "steps", "val_loss", "phi", "fw_gap", "diverged"};

// NaN (a diverged run's metrics and weights, a kind without accuracy) is
// written as an empty cell: CSV's null, as the README promises.
std::string num(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

}  // namespace

SweepRow make_row(const Checkpoint& c, std::int64_t T, std::uint64_t seed) {
  SweepRow r;
  r.T = T;
  r.N = c.N;
  r.seed = seed;
  r.rounds = c.rounds;
  r.steps = c.steps;
  r.val_loss = c.val_loss;
  r.phi = c.phi;
  r.fw_gap = c.fw_gap;
  r.val_acc = c.val_acc;
  r.diverged = c.diverged;
  r.w = c.w;
  return r;
}

void write_runs_header(std::ostream& os, int K) {
  for (const char* c : fixed_columns) os << c << ',';
  for (int j = 0; j < K; ++j) os << "w_" << j << ",";
  os << "val_acc\n";
}

void write_run_row(std::ostream& os, const SweepRow& r, bool has_accuracy) {
  os << r.T << ',' << r.N << ',' << r.seed << ',' << r.rounds << ',' << r.steps << ',' << num(r.val_loss)
     << ',' << num(r.phi) << ',' << num(r.fw_gap) << ',' << (r.diverged ? 1 : 0);
  for (double w : r.w) os << ',' << num(w);
  // Empty when the kind has no accuracy or the run diverged.
  os << ',' << (has_accuracy ? num(r.val_acc) : "") << '\n';
}

std::string runs_header(int K) {
  std::ostringstream os;
  write_runs_header(os, K);
  return os.str();
}

RunsCsvColumns::RunsCsvColumns(const std::string& header_line, const std::string& path) {
  const std::vector<std::string> header = split(header_line);
  width = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* c : fixed_columns)
    if (!col.count(c)) throw InputError(path, std::string("header has no column '") + c + "'");
  while (col.count("w_" + std::to_string(w_cols.size()))) w_cols.push_back(col["w_" + std::to_string(w_cols.size())]);
  if (w_cols.empty()) throw InputError(path, "header has no column 'w_0'");
}

SweepRow RunsCsvColumns::parse(const std::string& line, const std::string& where) const {
  const std::vector<std::string> cells = split(line);
  if (cells.size() != width)
    throw InputError(where, "has " + std::to_string(cells.size()) + " cells, header has " + std::to_string(width));
  auto cell = [&](const char* name) -> const std::string& { return cells[col.at(name)]; };
  auto integer = [&](const char* name) {
    const std::string& s = cell(name);
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 0)
      throw InputError(where, std::string("column ") + name + ": not an integer (got '" + s + "')");
    return static_cast<std::int64_t>(v);
  };
  // An empty cell is null (NaN); "nan" is what files before schema 2 wrote.
  auto real = [&](std::size_t c, const std::string& name) {
    const std::string& s = cells[c];
    if (s.empty()) return static_cast<double>(NAN);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (*end != '\0') throw InputError(where, "column " + name + ": not a number (got '" + s + "')");
    return v;
  };
  SweepRow r;
  r.T = integer("T");
  r.N = integer("N");
  {
    const std::string& s = cell("seed");
    char* end = nullptr;
    r.seed = static_cast<std::uint64_t>(std::strtoull(s.c_str(), &end, 10));
    if (s.empty() || *end != '\0' || s[0] == '-') throw InputError(where, "column seed: not an integer (got '" + s + "')");
  }
  r.rounds = integer("rounds");
  r.steps = integer("steps");
  r.val_loss = real(col.at("val_loss"), "val_loss");
  r.phi = real(col.at("phi"), "phi");
  r.fw_gap = real(col.at("fw_gap"), "fw_gap");
  const std::int64_t div = integer("diverged");
  if (div > 1) throw InputError(where, "column diverged: expected 0 or 1 (got '" + cell("diverged") + "')");
  r.diverged = div == 1;
  for (std::size_t j = 0; j < w_cols.size(); ++j) r.w.push_back(real(w_cols[j], "w_" + std::to_string(j)));
  if (col.count("val_acc")) r.val_acc = real(col.at("val_acc"), "val_acc");
  if (r.T < 1 || r.N < 1) throw InputError(where, "T and N must be >= 1");
  return r;
}

std::int64_t for_each_run_row(const std::string& path, const std::function<void(const SweepRow&)>& visit) {
  std::ifstream in = open_input(path, path);
  std::string line;
  if (!std::getline(in, line) || line.empty()) throw InputError(path, "empty file (expected a header row)");
  const RunsCsvColumns columns(line, path);
  std::int64_t rows = 0;
  for (std::size_t lineno = 2; std::getline(in, line); ++lineno) {
    if (line.empty()) continue;
    visit(columns.parse(line, path + ":" + std::to_string(lineno)));
    ++rows;
  }
  if (in.bad()) throw IoError("cannot read '" + path + "': " + std::strerror(errno));
  if (rows == 0) throw InputError(path, "no data rows");
  return rows;
}

std::vector<SweepRow> read_runs_csv(const std::string& path) {
  std::vector<SweepRow> rows;
  for_each_run_row(path, [&](const SweepRow& r) { rows.push_back(r); });
  return rows;
}

}  // namespace horizon
