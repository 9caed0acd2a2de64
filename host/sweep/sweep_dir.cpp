// The sweep's output folder (sweep_dir.hpp).
#include "sweep/sweep_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

#include "horizon/error.hpp"
#include "horizon/io_error.hpp"

namespace horizon {
namespace sweep_dir {
namespace fs = std::filesystem;

DirLock::DirLock(const fs::path& dir) {
  const fs::path path = dir / ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError("cannot open '" + path.string() + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) throw IoError("cannot lock '" + path.string() + "': " + std::strerror(err));
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    throw InputError("--out", "'" + dir.string() + "' is in use by another sweep (pid " +
                                  (pid.empty() ? "unknown" : pid) + ")");
  }
  // Best effort: on a full disk the pid may not fit, and the lock still holds.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) { /* pid unknown to others */ }
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

namespace {
std::string utc_format(const char* fmt) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}
}  // namespace

std::string utc_iso8601() { return utc_format("%Y-%m-%dT%H:%M:%SZ"); }
std::string utc_compact() { return utc_format("%Y%m%dT%H%M%SZ"); }

const std::vector<std::string>& result_files() {
  static const std::vector<std::string> names = {"runs.csv",       "manifest.json",    "summary.json",
                                                 "metric_vs_T.png", "weights_vs_T.png", "t_star.png",
                                                 "val_acc_vs_T.png"};
  return names;
}

bool has_results(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "manifest.json", ec)) return true;
  const fs::path csv = dir / "runs.csv";
  return fs::is_regular_file(csv, ec) && fs::file_size(csv, ec) > 0;
}

fs::path move_results_aside(const fs::path& dir) {
  const std::string base = "previous-" + utc_compact();
  fs::path aside = dir / base;
  for (int i = 2; fs::exists(aside); ++i) aside = dir / (base + "-" + std::to_string(i));
  std::error_code ec;
  fs::create_directory(aside, ec);
  if (ec) throw IoError("cannot create '" + aside.string() + "': " + ec.message());
  for (const std::string& name : result_files()) {
    const fs::path from = dir / name;
    if (!fs::exists(fs::symlink_status(from))) continue;
    fs::rename(from, aside / name, ec);
    if (ec) throw IoError("cannot move '" + from.string() + "' to '" + aside.string() + "': " + ec.message());
  }
  return aside;
}

namespace {
std::string cell_name(std::int64_t T, std::int64_t N, std::uint64_t seed) {
  return "(T, N, seed) = (" + std::to_string(T) + ", " + std::to_string(N) + ", " + std::to_string(seed) + ")";
}
}  // namespace

Prefix read_valid_prefix(const fs::path& csv, const Grid& grid) {
  Prefix out;
  std::error_code ec;
  if (!fs::exists(csv, ec)) return out;
  if (!fs::is_regular_file(csv, ec))
    throw InputError("--resume", "'" + csv.string() + "' is not a regular file");
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw IoError("cannot read '" + csv.string() + "': " + std::strerror(errno));
  out.file_bytes = fs::file_size(csv, ec);
  if (ec) throw IoError("cannot read '" + csv.string() + "': " + ec.message());
  if (out.file_bytes == 0) return out;  // created, then killed before the header

  std::string line;
  std::uintmax_t offset = 0;  // bytes read so far, each line with its '\n'
  // Reads one line; false at the end of the file or on a line without its
  // '\n' (torn: a kill or a full disk cut it).
  auto next_line = [&](bool* torn) {
    *torn = false;
    if (!std::getline(in, line)) {
      if (in.bad()) throw IoError("cannot read '" + csv.string() + "': " + std::strerror(errno));
      return false;
    }
    *torn = in.eof();
    offset += line.size() + (*torn ? 0 : 1);
    return true;
  };
  bool torn = false;
  if (!next_line(&torn) || torn || line + "\n" != runs_header(grid.K)) {
    out.first_bad = csv.string() + ":1: not the header this sweep writes";
    out.torn_only = false;
    return out;
  }
  out.keep_bytes = offset;
  const RunsCsvColumns columns(line, csv.string());
  const auto nN = static_cast<std::int64_t>(grid.N.size());
  const auto nT = static_cast<std::int64_t>(grid.T.size());
  std::int64_t rows_of_current = 0;  // rows of trajectory out.trajectories read so far
  for (std::size_t lineno = 2; next_line(&torn); ++lineno) {
    ++out.lines;
    const std::string where = csv.string() + ":" + std::to_string(lineno);
    if (torn) {
      out.first_bad = where + ": torn (no end of line)";
      return out;
    }
    try {
      const SweepRow r = columns.parse(line, where);
      // The row a sweep writes next: trajectory out.trajectories, its next N.
      const std::int64_t g = grid.first + out.trajectories;
      const std::int64_t ti = g / grid.seeds;
      const std::uint64_t seed = grid.seed0 + static_cast<std::uint64_t>(g % grid.seeds);
      if (ti >= nT)
        throw InputError(where, cell_name(r.T, r.N, r.seed) + " is past the end of this sweep's grid");
      if (grid.end >= 0 && g >= grid.end)
        throw InputError(where, cell_name(r.T, r.N, r.seed) + " is past the end of this shard");
      const std::int64_t T = grid.T[static_cast<std::size_t>(ti)], N = grid.N[static_cast<std::size_t>(rows_of_current)];
      if (r.T != T || r.N != N || r.seed != seed) {
        const bool on_grid = std::binary_search(grid.T.begin(), grid.T.end(), r.T) &&
                             std::binary_search(grid.N.begin(), grid.N.end(), r.N) && r.seed >= grid.seed0 &&
                             r.seed - grid.seed0 < static_cast<std::uint64_t>(grid.seeds);
        throw InputError(where, cell_name(r.T, r.N, r.seed) +
                                    (on_grid ? " where a sweep writes " + cell_name(T, N, seed) +
                                                   ": a repeated, missing or reordered row"
                                             : " is not on this sweep's grid"));
      }
      if (!r.diverged && !(std::isfinite(r.val_loss) && std::isfinite(r.phi)))
        throw InputError(where, "a metric is not a number on a row not flagged diverged");
      if (++rows_of_current == nN) {
        ++out.trajectories;
        rows_of_current = 0;
        out.kept_rows += nN;
        out.keep_bytes = offset;
      }
    } catch (const InputError& e) {
      out.first_bad = e.what();
      out.torn_only = false;
      return out;
    }
  }
  // The file ends inside a trajectory: cut at a line end by a kill, like a
  // torn line (nothing before it is dropped, so nothing is kept aside).
  if (rows_of_current > 0)
    out.first_bad = csv.string() + ": the last trajectory ends after " + std::to_string(rows_of_current) + " of its " +
                    std::to_string(nN) + " rows";
  return out;
}

namespace {
std::string diff(const nlohmann::json& a, const nlohmann::json& b, const std::string& name) {
  if (a == b) return "";
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : b.items()) {
      const std::string d = diff(a.contains(key) ? a[key] : nlohmann::json(), value, key);
      if (!d.empty()) return d;
    }
    for (const auto& [key, value] : a.items())
      if (!b.contains(key)) return "the manifest has " + key + " = " + value.dump() + ", this sweep has none";
    return "";
  }
  const std::string label = name == "problem_hash" ? "problem hash" : name;
  return "the manifest's " + label + " is " + (a.is_null() ? "unset" : a.dump()) + ", this sweep's is " + b.dump();
}
}  // namespace

std::string first_difference(const nlohmann::json& old_config, const nlohmann::json& config) {
  return diff(old_config, config, "config");
}

}  // namespace sweep_dir
}  // namespace horizon
