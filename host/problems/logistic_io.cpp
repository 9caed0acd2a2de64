// Logistic problems from JSON (inline data or CSV files) and back (logistic.hpp).
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "horizon/activity.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"
#include "io/checked_file.hpp"
#include "problems/json_fields.hpp"
#include "horizon/logistic.hpp"

namespace horizon {
namespace {

using nlohmann::json;

using json_fields::brief;
using json_fields::finite_number;

// −1/+1, with 0 read as −1.
double label(double v, const std::string& field) {
  if (v == 1.0) return 1.0;
  if (v == -1.0 || v == 0.0) return -1.0;
  throw InputError(field, "label must be -1, +1 (or 0/1) (got " + format_number(v) + ")");
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::stringstream ss(line);
  while (std::getline(ss, cell, ',')) {
    if (!cell.empty() && cell.back() == '\r') cell.pop_back();
    cells.push_back(cell);
  }
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

std::string join_path(const std::string& base, const std::string& rel) {
  if (!rel.empty() && rel[0] == '/') return rel;
  return base.empty() || base == "." ? rel : base + "/" + rel;
}

// A data set: inline {"X": [[..]..], "y": [..]} or {"data": "file.csv"}.
Dataset dataset_of(const json& j, const std::string& field, const std::string& base_dir) {
  if (!j.is_object()) throw InputError(field, "expected an object (got " + brief(j) + ")");
  if (j.contains("data")) {
    if (!j["data"].is_string()) throw InputError(field + ".data", "expected a CSV file name (got " + brief(j["data"]) + ")");
    if (j.contains("X") || j.contains("y")) throw InputError(field, "give either data or X and y, not both");
    return read_dataset_csv(join_path(base_dir, j["data"].get<std::string>()), field + ".data");
  }
  if (!j.contains("X")) throw InputError(field + ".X", "missing (or give \"data\": \"file.csv\")");
  if (!j.contains("y")) throw InputError(field + ".y", "missing");
  const json& X = j["X"];
  const json& y = j["y"];
  if (!X.is_array()) throw InputError(field + ".X", "expected an array of rows (got " + brief(X) + ")");
  if (!y.is_array()) throw InputError(field + ".y", "expected an array of labels (got " + brief(y) + ")");
  if (X.size() != y.size())
    throw InputError(field, "X has " + std::to_string(X.size()) + " rows but y has " + std::to_string(y.size()) + " labels");
  if (X.empty()) throw InputError(field, "has no examples");
  Dataset d;
  d.n = static_cast<int>(X.size());
  std::size_t width = 0;
  for (std::size_t i = 0; i < X.size(); ++i) {
    const std::string row = field + ".X[" + std::to_string(i) + "]";
    if (!X[i].is_array() || X[i].empty()) throw InputError(row, "expected a non-empty array of features (got " + brief(X[i]) + ")");
    if (i == 0) width = X[i].size();
    if (X[i].size() != width)
      throw InputError(row, "has " + std::to_string(X[i].size()) + " features, row 0 has " + std::to_string(width));
    for (std::size_t l = 0; l < width; ++l) d.X.push_back(finite_number(X[i][l], row + "[" + std::to_string(l) + "]"));
    const std::string yf = field + ".y[" + std::to_string(i) + "]";
    d.y.push_back(label(finite_number(y[i], yf), yf));
  }
  return d;
}

int width_of(const Dataset& d) { return d.n > 0 ? static_cast<int>(d.X.size() / d.n) : 0; }

json dataset_json(const Dataset& d, int dim) {
  json X = json::array();
  for (int i = 0; i < d.n; ++i) X.push_back(std::vector<double>(d.X.begin() + i * dim, d.X.begin() + (i + 1) * dim));
  return {{"X", X}, {"y", d.y}};
}

}  // namespace

Dataset read_dataset_csv(const std::string& path, const std::string& field) {
  const Doing doing("reading the data set '" + path + "'");
  std::ifstream in = open_input(field, path);
  std::string line;
  if (!std::getline(in, line) || line.empty()) throw InputError(field, "'" + path + "' is empty (expected a header row)");
  if (line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // a UTF-8 byte order mark (Excel writes one)
  std::vector<std::string> header = split_csv(line);
  int y_col = -1;
  for (std::size_t c = 0; c < header.size(); ++c) {
    std::string& name = header[c];  // R's write.csv quotes the names: "x0","y"
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    if (name != "y") continue;
    if (y_col >= 0) throw InputError(field, "'" + path + "' has more than one column named y");
    y_col = static_cast<int>(c);
  }
  if (y_col < 0) throw InputError(field, "'" + path + "' has no column named y");
  if (header.size() < 2) throw InputError(field, "'" + path + "' has no feature columns");
  Dataset d;
  for (int lineno = 2; std::getline(in, line); ++lineno) {
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> cells = split_csv(line);
    const std::string where = path + " row " + std::to_string(lineno);
    if (cells.size() != header.size())
      throw InputError(where, "has " + std::to_string(cells.size()) + " cells, the header has " + std::to_string(header.size()));
    for (std::size_t c = 0; c < cells.size(); ++c) {
      char* end = nullptr;
      const double v = std::strtod(cells[c].c_str(), &end);
      if (cells[c].empty() || *end != '\0' || !std::isfinite(v))
        throw InputError(where, "column " + header[c] + ": not a finite number (got '" + cells[c] + "')");
      if (static_cast<int>(c) == y_col)
        d.y.push_back(label(v, where + " column y"));
      else
        d.X.push_back(v);
    }
    ++d.n;
  }
  if (d.n == 0) throw InputError(field, "'" + path + "' has no data rows");
  return d;
}

void write_dataset_csv(const std::string& path, const Dataset& data, int d) {
  std::string out;
  for (int l = 0; l < d; ++l) out += "x" + std::to_string(l) + ",";
  out += "y\n";
  char buf[32];
  for (int i = 0; i < data.n; ++i) {
    for (int l = 0; l < d; ++l) {
      std::snprintf(buf, sizeof buf, "%.17g,", data.X[static_cast<std::size_t>(i) * d + l]);
      out += buf;
    }
    out += data.y[i] > 0 ? "1\n" : "-1\n";
  }
  io::write_file_atomically(path, out);  // checked: IoError naming the file on a full disk
}

void validate(const LogisticProblem& p, const std::string& source) {
  if (p.K < 1) throw InputError(source + ".domains", "needs at least one domain (K >= 1)");
  if (!(p.lambda > 0) || !std::isfinite(p.lambda))
    throw InputError(source + ".lambda", "must be a finite number > 0 for strong convexity (got " + format_number(p.lambda) + ")");
  if (!(p.lambda_v >= 0) || !std::isfinite(p.lambda_v))
    throw InputError(source + ".validation.lambda", "must be a finite number >= 0 (got " + format_number(p.lambda_v) + ")");
  auto check = [&](const Dataset& data, const std::string& field) {
    if (data.n < 1) throw InputError(field, "has no examples");
    if (width_of(data) != p.d || data.X.size() != static_cast<std::size_t>(data.n) * p.d)
      throw InputError(field, "has " + std::to_string(width_of(data)) + " features, expected d = " + std::to_string(p.d));
    if (static_cast<int>(data.y.size()) != data.n) throw InputError(field + ".y", "length differs from the rows of X");
  };
  for (int j = 0; j < p.K; ++j) check(p.domains[j], source + ".domains[" + std::to_string(j) + "]");
  check(p.validation, source + ".validation");
  if (static_cast<int>(p.theta0.size()) != p.d)
    throw InputError(source + ".theta0", "has " + std::to_string(p.theta0.size()) + " entries, expected d = " + std::to_string(p.d));
  for (double v : p.theta0)
    if (!std::isfinite(v)) throw InputError(source + ".theta0", "not finite (got " + format_number(v) + ")");
  if (static_cast<int>(p.w0.size()) != p.K)
    throw InputError(source + ".w0", "has " + std::to_string(p.w0.size()) + " entries, expected K = " + std::to_string(p.K));
  double sum = 0;
  for (int j = 0; j < p.K; ++j) {
    if (!std::isfinite(p.w0[j]) || p.w0[j] < 0)
      throw InputError(source + ".w0[" + std::to_string(j) + "]", "must be a finite number >= 0 (got " + format_number(p.w0[j]) + ")");
    sum += p.w0[j];
  }
  if (std::abs(sum - 1.0) > 1e-9)
    throw InputError(source + ".w0", "not on the simplex: entries sum to " + format_number(sum) + ", expected 1");
}

LogisticProblem logistic_from_json(const json& j, const std::string& source, const std::string& base_dir) {
  LogisticProblem p;
  json_fields::only_keys(j, {"kind", "description", "lambda", "domains", "validation", "theta0", "w0"}, source);
  if (!j.contains("lambda")) throw InputError(source + ".lambda", "missing (the L2 weight λ > 0)");
  p.lambda = finite_number(j["lambda"], source + ".lambda");
  if (!j.contains("domains")) throw InputError(source + ".domains", "missing");
  const json& domains = j["domains"];
  if (!domains.is_array() || domains.empty()) throw InputError(source + ".domains", "needs a non-empty array of domains (K >= 1)");
  p.K = static_cast<int>(domains.size());
  for (int k = 0; k < p.K; ++k) {
    const std::string field = source + ".domains[" + std::to_string(k) + "]";
    json_fields::only_keys(domains[k], {"name", "X", "y", "data"}, field);
    p.domains.push_back(dataset_of(domains[k], field, base_dir));
    const json& dom = domains[k];
    if (dom.contains("name") && !dom["name"].is_string()) throw InputError(field + ".name", "expected a string (got " + brief(dom["name"]) + ")");
    p.names.push_back(dom.contains("name") ? dom["name"].get<std::string>() : "domain" + std::to_string(k));
    const int width = width_of(p.domains.back());
    if (k == 0) p.d = width;
    if (width != p.d)
      throw InputError(field, "has " + std::to_string(width) + " features, " + source + ".domains[0] has " + std::to_string(p.d));
  }
  if (!j.contains("validation")) throw InputError(source + ".validation", "missing");
  json_fields::only_keys(j["validation"], {"name", "X", "y", "data", "lambda"}, source + ".validation");
  p.validation = dataset_of(j["validation"], source + ".validation", base_dir);
  if (width_of(p.validation) != p.d)
    throw InputError(source + ".validation", "has " + std::to_string(width_of(p.validation)) + " features, expected d = " + std::to_string(p.d));
  p.lambda_v = j["validation"].contains("lambda") ? finite_number(j["validation"]["lambda"], source + ".validation.lambda") : 0.0;
  auto vec = [&](const char* key, std::size_t n, double fill) {
    return j.contains(key) ? json_fields::finite_vector(j[key], source + "." + key) : std::vector<double>(n, fill);
  };
  p.theta0 = vec("theta0", p.d, 0.0);
  p.w0 = vec("w0", p.K, 1.0 / p.K);
  validate(p, source);
  return p;
}

json logistic_to_json(const LogisticProblem& p) {
  json j;
  j["kind"] = "logistic";
  j["lambda"] = p.lambda;
  j["domains"] = json::array();
  for (int k = 0; k < p.K; ++k) {
    json d = dataset_json(p.domains[k], p.d);
    d["name"] = p.names[k];
    j["domains"].push_back(d);
  }
  j["validation"] = dataset_json(p.validation, p.d);
  j["validation"]["lambda"] = p.lambda_v;
  j["theta0"] = p.theta0;
  j["w0"] = p.w0;
  return j;
}

}  // namespace horizon
