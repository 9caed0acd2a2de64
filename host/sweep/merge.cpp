// `horizon merge` (merge.hpp).
#include "horizon/merge.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include "horizon/error.hpp"
#include "horizon/io_error.hpp"
#include "horizon/sweep.hpp"
#include "horizon/version.hpp"
#include "io/checked_file.hpp"
#include "sweep/sweep_dir.hpp"
#include "sweep/trajectory_order.hpp"

namespace horizon {
namespace fs = std::filesystem;
namespace {

struct Shard {
  std::string dir;
  nlohmann::json manifest;
  int index = 0, count = 1;
  std::int64_t first = 0, end = 0;
  sweep_dir::Prefix rows;  // its runs.csv, checked
};

nlohmann::json read_manifest(const std::string& dir) {
  const fs::path path = fs::path(dir) / "manifest.json";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir, "not a directory");
  if (!fs::exists(path, ec)) throw InputError(dir, "no manifest.json (not a sweep shard)");
  std::ifstream in(path);
  if (!in) throw IoError("cannot read '" + path.string() + "': " + std::strerror(errno));
  nlohmann::json m = nlohmann::json::parse(in, nullptr, false);
  if (m.is_discarded() || !m.is_object()) throw InputError(path.string(), "not valid JSON");
  return m;
}

Shard read_shard(const std::string& dir) {
  Shard s;
  s.dir = dir;
  s.manifest = read_manifest(dir);
  const nlohmann::json& m = s.manifest;
  if (!m.contains("shard") || !m["shard"].is_object())
    throw InputError(dir, "not a shard: its manifest has no shard (a sweep run without --shard needs no merge)");
  try {
    s.index = m["shard"].at("index").get<int>();
    s.count = m["shard"].at("count").get<int>();
    s.first = m["shard"].at("trajectories").at("first").get<std::int64_t>();
    s.end = m["shard"].at("trajectories").at("end").get<std::int64_t>();
    (void)m.at("config").at("grid");
    (void)m.at("problem").at("K");
  } catch (const nlohmann::json::exception&) {
    throw InputError(dir + "/manifest.json", "not a shard manifest (shard, config.grid or problem.K missing)");
  }
  if (!m.value("complete", false))
    throw InputError(dir, "shard " + std::to_string(s.index) + "/" + std::to_string(s.count) +
                              " is not complete (finish it: the same `horizon sweep ... --shard " +
                              std::to_string(s.index) + "/" + std::to_string(s.count) + "` with --resume)");
  return s;
}

SweepPlan plan_of(const nlohmann::json& config, const Shard& s) {
  SweepPlan plan;
  const nlohmann::json& g = config.at("grid");
  plan.T = g.at("T").get<std::vector<std::int64_t>>();
  plan.N = g.at("N").get<std::vector<std::int64_t>>();
  plan.seeds = g.at("seeds").get<std::int64_t>();
  plan.seed0 = g.at("seed0").get<std::uint64_t>();
  plan.shard.index = s.index;
  plan.shard.count = s.count;
  return plan;
}

std::string shard_name(const Shard& s) { return "shard " + std::to_string(s.index) + "/" + std::to_string(s.count); }

// Appends runs.csv bytes [from, to) of `src` to `out`, a piece at a time.
void copy_range(const fs::path& src, std::uintmax_t from, std::uintmax_t to, io::AppendFile& out) {
  std::ifstream in(src, std::ios::binary);
  if (!in) throw IoError("cannot read '" + src.string() + "': " + std::strerror(errno));
  in.seekg(static_cast<std::streamoff>(from));
  std::string buf;
  for (std::uintmax_t left = to - from; left > 0;) {
    buf.resize(static_cast<std::size_t>(std::min<std::uintmax_t>(left, 1 << 22)));
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (static_cast<std::size_t>(in.gcount()) != buf.size())
      throw IoError("cannot read '" + src.string() + "': it changed while being merged");
    out.append(buf);
    left -= buf.size();
  }
}

}  // namespace

MergeOutcome merge_shards(const MergeOptions& opts) {
  if (opts.shard_dirs.empty()) throw InputError("merge", "no shard directories given");
  if (opts.out_dir.empty()) throw InputError("--out", "required: the directory for the merged sweep");
  std::vector<Shard> shards;
  for (const std::string& dir : opts.shard_dirs) shards.push_back(read_shard(dir));
  std::error_code ec;
  for (const Shard& s : shards)
    if (fs::exists(opts.out_dir, ec) && fs::equivalent(s.dir, opts.out_dir, ec))
      throw InputError("--out", "'" + opts.out_dir + "' is one of the shards; merge into a directory of its own");

  // They belong together: the first shard's sweep is the reference.
  const Shard& ref = shards.front();
  const nlohmann::json& config = ref.manifest["config"];
  for (const Shard& s : shards) {
    const std::string who = "'" + s.dir + "' (" + shard_name(s) + ") and '" + ref.dir + "' (" + shard_name(ref) + ")";
    if (s.count != ref.count)
      throw InputError("merge", who + " split the sweep into different numbers of shards");
    const std::string difference = sweep_dir::first_difference(config, s.manifest["config"]);
    if (!difference.empty())
      throw InputError("merge", who + " come from different sweeps: " +
                                    [&] {  // "the manifest's X is a, this sweep's is b" said of the two shards
                                      std::string d = difference;
                                      for (auto [from, to] : {std::pair<std::string, std::string>{"the manifest's ", "the first's "},
                                                              {"this sweep's", "the other's"},
                                                              {"the manifest has", "the first has"},
                                                              {"this sweep has", "the other has"}})
                                        if (const auto at = d.find(from); at != std::string::npos) d.replace(at, from.size(), to);
                                      return d;
                                    }());
    if (s.manifest.value("version", "") != ref.manifest.value("version", ""))
      throw InputError("merge", who + " were written by different horizon versions (" +
                                    ref.manifest.value("version", "?") + " and " + s.manifest.value("version", "?") + ")");
    if (s.manifest.value("seeds_shared", false) != ref.manifest.value("seeds_shared", false))
      throw InputError("merge", who + " disagree on seeds_shared");
    const TrajectoryOrder order = TrajectoryOrder::of(plan_of(config, s));
    if (order.first != s.first || order.end != s.end)
      throw InputError(s.dir + "/manifest.json", shard_name(s) + " claims trajectories " + std::to_string(s.first) +
                                                     " to " + std::to_string(s.end) + ", the grid's shard holds " +
                                                     std::to_string(order.first) + " to " + std::to_string(order.end));
  }
  std::map<int, const Shard*> by_index;
  for (const Shard& s : shards) {
    const auto [it, fresh] = by_index.emplace(s.index, &s);
    if (!fresh)
      throw InputError("merge", shard_name(s) + " is given twice: '" + it->second->dir + "' and '" + s.dir + "'");
  }
  std::string missing;
  for (int i = 0; i < ref.count; ++i)
    if (!by_index.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    throw InputError("merge", "shard" + std::string(missing.find(',') == std::string::npos ? " " : "s ") + missing +
                                  " of " + std::to_string(ref.count) + " missing (given " +
                                  std::to_string(shards.size()) + " of " + std::to_string(ref.count) + ")");

  // Every shard's runs.csv holds exactly its trajectories, in order.
  const int K = ref.manifest["problem"]["K"].get<int>();
  for (auto& [index, sp] : by_index) {
    Shard& s = const_cast<Shard&>(*sp);
    const SweepPlan plan = plan_of(config, s);
    const fs::path csv = fs::path(s.dir) / "runs.csv";
    if (!fs::exists(csv, ec)) throw InputError(s.dir, "no runs.csv (" + shard_name(s) + ")");
    s.rows = sweep_dir::read_valid_prefix(csv, {plan.T, plan.N, plan.seeds, plan.seed0, K, s.first, s.end});
    if (!s.rows.first_bad.empty())
      throw InputError(s.dir, shard_name(s) + "'s runs.csv is not the shard's rows: " + s.rows.first_bad);
    if (s.rows.trajectories != s.end - s.first)
      throw InputError(s.dir, shard_name(s) + "'s runs.csv holds " + std::to_string(s.rows.trajectories) + " of its " +
                                  std::to_string(s.end - s.first) + " trajectories (finish it with --resume)");
  }

  // Write: runs.csv is the header and the shards' rows end to end.
  const fs::path dir(opts.out_dir);
  fs::create_directories(dir, ec);
  if (ec) throw InputError("--out", "cannot create directory '" + opts.out_dir + "': " + ec.message());
  const sweep_dir::DirLock lock(dir);
  if (sweep_dir::has_results(dir)) {
    if (!opts.force)
      throw InputError("--out", "'" + opts.out_dir + "' already holds a sweep; pass --force to move it aside (to " +
                                    opts.out_dir + "/previous-<UTC time>/)");
    const fs::path aside = sweep_dir::move_results_aside(dir);
    if (opts.log) *opts.log << "horizon: --force: moved the earlier results to " << aside.string() << "\n";
  }
  const std::string started_at = sweep_dir::utc_iso8601();
  const fs::path csv = dir / "runs.csv";
  if (fs::is_regular_file(csv, ec)) fs::remove(csv, ec);
  MergeOutcome outcome;
  {
    io::AppendFile out(csv);
    out.append(runs_header(K));
    for (const auto& [index, s] : by_index) {
      const sweep_dir::Prefix& rows = s->rows;
      const std::uintmax_t header = runs_header(K).size();
      copy_range(fs::path(s->dir) / "runs.csv", header, rows.keep_bytes, out);
      outcome.rows += rows.kept_rows;
      outcome.trajectories += rows.trajectories;
    }
    out.sync();
    out.close();
  }
  outcome.shards = ref.count;

  // The manifest: a sweep's, with the shards listed.
  nlohmann::json m = ref.manifest;
  m.erase("shard");
  m.erase("mpi");
  m["command"] = "merge";
  m["argv"] = opts.argv;
  m["started_at"] = started_at;
  m["finished_at"] = sweep_dir::utc_iso8601();
  m["build"] = {{"version", version_string()}, {"git_commit", git_commit()}, {"options", build_options()}};
  nlohmann::json list = nlohmann::json::array();
  std::int64_t computed = 0, resumed = 0;
  double wall = 0;
  bool same_backend = true;
  for (const auto& [index, s] : by_index) {
    const nlohmann::json& sm = s->manifest;
    list.push_back({{"index", index},
                    {"dir", fs::absolute(s->dir).lexically_normal().string()},
                    {"host", sm.value("host", "")},
                    {"backend", sm.value("backend", nlohmann::json::object())},
                    {"started_at", sm.value("first_started_at", sm.value("started_at", ""))},
                    {"finished_at", sm.value("finished_at", "")},
                    {"wall_time_s", sm.value("wall_time_s", 0.0)},
                    {"trajectories", {{"first", s->first}, {"end", s->end}}},
                    {"rows", s->rows.kept_rows}});
    computed += sm.value("trajectories_computed", std::int64_t{0});
    resumed += sm.value("trajectories_resumed", std::int64_t{0});
    wall = std::max(wall, sm.value("wall_time_s", 0.0));
    same_backend = same_backend && sm.value("backend", nlohmann::json()) == ref.manifest.value("backend", nlohmann::json());
  }
  if (!same_backend) {
    std::string description;
    for (const auto& [index, s] : by_index)
      description += (description.empty() ? "" : "; ") + std::string("shard ") + std::to_string(index) + ": " +
                     s->manifest["backend"].value("description", "?");
    m["backend"] = {{"name", "mixed"}, {"description", description}};
  }
  m["merged_from"] = list;
  m["complete"] = true;
  m["wall_time_s"] = wall;  // the longest shard: the shards ran side by side
  m["trajectories_computed"] = computed;
  m["trajectories_resumed"] = resumed;
  m["rows"] = outcome.rows;
  io::write_file_atomically(dir / "manifest.json", m.dump(2) + "\n");
  return outcome;
}

}  // namespace horizon
