// Layered experiment settings: TOML presets and configs (experiment.hpp).
#include "horizon/experiment.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "horizon/activity.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"
#include "problems/json_fields.hpp"
#include "settings/presets_embedded.hpp"

namespace horizon {
namespace {

class TomlReader {
 public:
  TomlReader(const toml::table& root, std::string origin) : root_(root), origin_(std::move(origin)) {}

  std::string field(const std::string& path) const { return origin_ + ": " + path; }

  std::optional<double> number(const toml::node* n, const std::string& path) const {
    if (!n) return std::nullopt;
    if (auto v = n->value<double>()) return *v;  // integers convert too
    throw InputError(field(path), "expected a number");
  }
  std::optional<std::int64_t> integer(const toml::node* n, const std::string& path) const {
    if (!n) return std::nullopt;
    if (auto v = n->as_integer()) return v->get();
    throw InputError(field(path), "expected an integer");
  }
  std::optional<std::string> string(const toml::node* n, const std::string& path) const {
    if (!n) return std::nullopt;
    if (auto v = n->as_string()) return v->get();
    throw InputError(field(path), "expected a string");
  }
  std::optional<bool> boolean(const toml::node* n, const std::string& path) const {
    if (!n) return std::nullopt;
    if (auto v = n->as_boolean()) return v->get();
    throw InputError(field(path), "expected true or false");
  }
  // An array of positive integers or a list string such as "1..64*2".
  std::optional<std::vector<std::int64_t>> int_list(const toml::node* n, const std::string& path) const {
    if (!n) return std::nullopt;
    if (auto s = n->as_string()) return parse_int_list(field(path), s->get());
    const toml::array* arr = n->as_array();
    if (!arr) throw InputError(field(path), "expected an array of integers or a list string");
    std::string text;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto v = (*arr)[i].as_integer();
      if (!v) throw InputError(field(path + "[" + std::to_string(i) + "]"), "expected an integer");
      text += (i ? "," : "") + std::to_string(v->get());
    }
    return parse_int_list(field(path), text);
  }

  const std::string& origin() const { return origin_; }

 private:
  const toml::table& root_;
  std::string origin_;
};

// Rejects keys we do not know, so a typo is an error rather than a silent default.
void check_keys(const toml::table& t, const std::vector<std::string>& allowed, const std::string& where,
                const std::string& origin) {
  for (const auto& kv : t) {
    const std::string key(kv.first.str());
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw InputError(origin + ": " + (where.empty() ? key : where + "." + key), "unknown key");
  }
}

const toml::table* table_at(const toml::table& root, const char* key, const std::string& origin) {
  const toml::node* n = root.get(key);
  if (!n) return nullptr;
  if (!n->as_table()) throw InputError(origin + ": " + key, "expected a table");
  return n->as_table();
}

GeneratorParams generator_from(const toml::table& g, const TomlReader& r) {
  check_keys(g, {"kind", "d", "K", "mu", "L", "dense", "aligned", "spread", "lean", "seed"}, "problem.generator",
             r.origin());
  GeneratorParams p;
  const std::string at = "problem.generator.";
  if (auto v = r.integer(g.get("d"), at + "d")) p.d = static_cast<int>(*v);
  if (auto v = r.integer(g.get("K"), at + "K")) p.K = static_cast<int>(*v);
  if (auto v = r.number(g.get("mu"), at + "mu")) p.mu = *v;
  if (auto v = r.number(g.get("L"), at + "L")) p.L = *v;
  if (auto v = r.boolean(g.get("dense"), at + "dense")) p.diagonal = !*v;
  if (auto v = r.integer(g.get("aligned"), at + "aligned")) p.aligned = static_cast<int>(*v);
  if (auto v = r.number(g.get("spread"), at + "spread")) p.spread = *v;
  if (auto v = r.number(g.get("lean"), at + "lean")) p.lean = *v;
  if (auto v = r.integer(g.get("seed"), at + "seed")) {
    if (*v < 0) throw InputError(r.field(at + "seed"), "must be >= 0");
    p.seed = static_cast<std::uint64_t>(*v);
  }
  validate(p);
  return p;
}

LogisticGeneratorParams logistic_generator_from(const toml::table& g, const TomlReader& r) {
  check_keys(g, {"kind", "d", "K", "examples", "validation_examples", "label_noise", "spread", "shift", "aligned", "lambda",
                 "lambda_v", "seed"},
             "problem.generator", r.origin());
  LogisticGeneratorParams p;
  const std::string at = "problem.generator.";
  auto integer = [&](const char* key, int* out) {
    if (auto v = r.integer(g.get(key), at + key)) *out = static_cast<int>(*v);
  };
  auto number = [&](const char* key, double* out) {
    if (auto v = r.number(g.get(key), at + key)) *out = *v;
  };
  integer("d", &p.d);
  integer("K", &p.K);
  integer("examples", &p.examples);
  integer("validation_examples", &p.validation_examples);
  integer("aligned", &p.aligned);
  number("label_noise", &p.label_noise);
  number("spread", &p.spread);
  number("shift", &p.shift);
  number("lambda", &p.lambda);
  number("lambda_v", &p.lambda_v);
  if (auto v = r.integer(g.get("seed"), at + "seed")) {
    if (*v < 0) throw InputError(r.field(at + "seed"), "must be >= 0");
    p.seed = static_cast<std::uint64_t>(*v);
  }
  validate(p);
  return p;
}

// toml++ limits inline nesting (256) but recurses once per part of a dotted
// key, so "a.a.a…" with 10^5 parts crashed it. An experiment needs 3 parts;
// a line may have at most 32 dots outside strings and comments (not counting
// those inside numbers, 1.5).
void check_toml_key_depth(const std::string& text, const std::string& origin) {
  constexpr int max_dots = 32;
  enum class In { code, basic, literal, multiline_basic, multiline_literal, comment } in = In::code;
  auto at = [&](std::size_t i, const char* s) { return text.compare(i, std::strlen(s), s) == 0; };
  auto digit = [&](std::size_t i) { return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); };
  int dots = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      dots = 0;
      if (in == In::comment || in == In::basic || in == In::literal) in = In::code;
      continue;
    }
    switch (in) {
      case In::code:
        if (c == '#') {
          in = In::comment;
        } else if (at(i, R"(""")") || at(i, "'''")) {
          in = c == '"' ? In::multiline_basic : In::multiline_literal;
          i += 2;
        } else if (c == '"' || c == '\'') {
          in = c == '"' ? In::basic : In::literal;
        } else if (c == '.' && !(i > 0 && digit(i - 1) && digit(i + 1)) && ++dots > max_dots) {
          const long line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(i), '\n');
          throw InputError(origin, "line " + std::to_string(line) + ": a key nested more than " +
                                       std::to_string(max_dots) + " levels deep");
        }
        break;
      case In::basic:
        if (c == '\\') ++i;  // an escaped quote does not end the string
        else if (c == '"') in = In::code;
        break;
      case In::multiline_basic:
        if (c == '\\') {
          ++i;
        } else if (at(i, R"(""")")) {
          in = In::code;
          i += 2;
        }
        break;
      case In::literal:
        if (c == '\'') in = In::code;
        break;
      case In::multiline_literal:
        if (at(i, "'''")) {
          in = In::code;
          i += 2;
        }
        break;
      case In::comment:
        break;
    }
  }
}

std::string dir_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

void ExperimentSettings::merge(const ExperimentSettings& o) {
  if (!o.description.empty()) description = o.description;
  if (o.problem_file || o.problem_json || o.generator || o.logistic_generator) {  // a source replaces the others
    problem_file = o.problem_file;
    logistic_generator = o.logistic_generator;
    problem_json = o.problem_json;
    problem_origin = o.problem_origin;
    problem_base_dir = o.problem_base_dir;
    generator = o.generator;
  }
  auto take = [](auto& mine, const auto& theirs) {
    if (theirs) mine = theirs;
  };
  take(inner_lr, o.inner_lr);
  take(outer_lr, o.outer_lr);
  take(inner_decay, o.inner_decay);
  take(noise, o.noise);
  take(restart, o.restart);
  take(inner_schedule, o.inner_schedule);
  take(outer_schedule, o.outer_schedule);
  take(update, o.update);
  take(noise_kind, o.noise_kind);
  take(batch, o.batch);
  take(T, o.T);
  take(N, o.N);
  take(seeds, o.seeds);
  take(seed0, o.seed0);
  take(backend, o.backend);
  take(out, o.out);
  take(threads, o.threads);
  take(precision, o.precision);
  take(gpu_path, o.gpu_path);
  take(shard, o.shard);
  take(progress_every, o.progress_every);
}

ExperimentSettings settings_from_toml(const std::string& text, const std::string& origin,
                                      const std::string& base_dir) {
  check_toml_key_depth(text, origin);
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "line " << e.source().begin.line << ": " << e.description();
    throw InputError(origin, "invalid TOML, " + os.str());
  }
  const TomlReader r(root, origin);
  check_keys(root, {"description", "problem", "algorithm", "grid", "run"}, "", origin);
  ExperimentSettings s;
  if (auto v = r.string(root.get("description"), "description")) s.description = *v;

  if (const toml::table* p = table_at(root, "problem", origin)) {
    check_keys(*p, {"file", "json", "generator"}, "problem", origin);
    if ((p->get("file") != nullptr) + (p->get("json") != nullptr) + (p->get("generator") != nullptr) > 1)
      throw InputError(origin + ": problem", "give one of file, json or generator");
    if (auto text = r.string(p->get("json"), "problem.json")) {
      s.problem_json = *text;
      s.problem_origin = origin + ": problem.json";
      s.problem_base_dir = base_dir;
    }
    if (auto f = r.string(p->get("file"), "problem.file"))
      s.problem_file = (!f->empty() && (*f)[0] == '/') ? *f : base_dir + "/" + *f;
    if (const toml::node* g = p->get("generator")) {
      if (!g->as_table()) throw InputError(origin + ": problem.generator", "expected a table");
      const auto kind = r.string(g->as_table()->get("kind"), "problem.generator.kind").value_or("quadratic");
      if (kind == "logistic")
        s.logistic_generator = logistic_generator_from(*g->as_table(), r);
      else if (kind == "quadratic")
        s.generator = generator_from(*g->as_table(), r);
      else
        throw InputError(origin + ": problem.generator.kind", "unknown kind '" + kind + "' (expected quadratic or logistic)");
    }
  }
  if (const toml::table* a = table_at(root, "algorithm", origin)) {
    check_keys(*a, {"inner_lr", "outer_lr", "inner_schedule", "inner_decay", "restart", "outer_schedule",
                    "update", "noise", "noise_kind", "batch"},
               "algorithm", origin);
    s.inner_lr = r.number(a->get("inner_lr"), "algorithm.inner_lr");
    s.outer_lr = r.number(a->get("outer_lr"), "algorithm.outer_lr");
    s.inner_decay = r.number(a->get("inner_decay"), "algorithm.inner_decay");
    s.noise = r.number(a->get("noise"), "algorithm.noise");
    s.restart = r.boolean(a->get("restart"), "algorithm.restart");
    if (auto v = r.string(a->get("inner_schedule"), "algorithm.inner_schedule"))
      s.inner_schedule = parse_inner_schedule(*v, r.field("algorithm.inner_schedule"));
    if (auto v = r.string(a->get("outer_schedule"), "algorithm.outer_schedule"))
      s.outer_schedule = parse_outer_schedule(*v, r.field("algorithm.outer_schedule"));
    if (auto v = r.string(a->get("update"), "algorithm.update"))
      s.update = parse_update_kind(*v, r.field("algorithm.update"));
    if (auto v = r.string(a->get("noise_kind"), "algorithm.noise_kind"))
      s.noise_kind = parse_noise_kind(*v, r.field("algorithm.noise_kind"));
    if (auto v = r.integer(a->get("batch"), "algorithm.batch")) {
      if (*v < 1) throw InputError(r.field("algorithm.batch"), "must be >= 1");
      s.batch = static_cast<int>(*v);
    }
  }
  if (const toml::table* g = table_at(root, "grid", origin)) {
    check_keys(*g, {"T", "N", "seeds", "seed0"}, "grid", origin);
    s.T = r.int_list(g->get("T"), "grid.T");
    s.N = r.int_list(g->get("N"), "grid.N");
    s.seeds = r.integer(g->get("seeds"), "grid.seeds");
    if (s.seeds && *s.seeds < 1) throw InputError(r.field("grid.seeds"), "must be >= 1");
    if (auto v = r.integer(g->get("seed0"), "grid.seed0")) {
      if (*v < 0) throw InputError(r.field("grid.seed0"), "must be >= 0");
      s.seed0 = static_cast<std::uint64_t>(*v);
    }
  }
  if (const toml::table* run = table_at(root, "run", origin)) {
    check_keys(*run, {"backend", "threads", "out", "precision", "gpu_path", "shard", "progress_every"}, "run", origin);
    s.shard = r.string(run->get("shard"), "run.shard");
    if (s.shard) {  // checked here so that the error names the file
      int index = 0, count = 1;
      parse_shard(*s.shard, r.field("run.shard"), &index, &count);
    }
    s.progress_every = r.number(run->get("progress_every"), "run.progress_every");
    if (s.progress_every && !(*s.progress_every >= 0))
      throw InputError(r.field("run.progress_every"), "must be >= 0 seconds (0: no progress lines)");
    s.backend = r.string(run->get("backend"), "run.backend");
    s.precision = r.string(run->get("precision"), "run.precision");
    s.gpu_path = r.string(run->get("gpu_path"), "run.gpu_path");
    s.out = r.string(run->get("out"), "run.out");
    if (auto v = r.integer(run->get("threads"), "run.threads")) {
      if (*v < 1) throw InputError(r.field("run.threads"), "must be >= 1; omit it for the default (OMP_NUM_THREADS, else the CPUs this process may use) (got " + std::to_string(*v) + ")");
      s.threads = static_cast<int>(std::min<std::int64_t>(*v, INT_MAX));  // make_backend caps it with a notice
    }
  }
  return s;
}

ExperimentSettings load_settings_file(const std::string& path) {
  std::ifstream in = open_input("--config", path);
  std::ostringstream text;
  text << in.rdbuf();
  return settings_from_toml(text.str(), path, dir_of(path));
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const EmbeddedPreset& p : embedded_presets()) names.push_back(p.name);
  return names;
}

ExperimentSettings load_preset(const std::string& name) {
  for (const EmbeddedPreset& p : embedded_presets())
    if (p.name == name) return settings_from_toml(p.toml, "preset " + name, ".");
  std::string known;
  for (const std::string& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("--preset", "unknown preset '" + name + "' (known: " + known + ")");
}

AlgorithmConfig resolve_algorithm(const ExperimentSettings& s) {
  AlgorithmConfig cfg;
  if (s.inner_lr) cfg.inner.eta0 = *s.inner_lr;
  if (s.outer_lr) cfg.outer.alpha0 = *s.outer_lr;
  if (s.inner_decay) cfg.inner.gamma = *s.inner_decay;
  if (s.restart) cfg.inner.restart = *s.restart;
  if (s.inner_schedule) cfg.inner.kind = *s.inner_schedule;
  if (s.outer_schedule) cfg.outer.kind = *s.outer_schedule;
  if (s.update) cfg.update = *s.update;
  if (s.noise) cfg.noise_sigma = *s.noise;
  if (s.noise_kind) cfg.noise_kind = *s.noise_kind;
  if (s.batch) cfg.batch = *s.batch;
  validate(cfg);
  return cfg;
}

BackendChoice resolve_backend(const ExperimentSettings& s) {
  BackendChoice c;
  c.which = s.backend.value_or("auto");
  c.threads = s.threads.value_or(0);
  const std::string precision = s.precision.value_or("double");
  if (precision != "double" && precision != "float")
    throw InputError("--precision", "unknown value '" + precision + "' (expected double or float)");
  c.gpu.single_precision = precision == "float";
  const std::string path = s.gpu_path.value_or("auto");
  if (path == "fused")
    c.gpu.path = GpuOptions::Path::fused;
  else if (path == "gemm")
    c.gpu.path = GpuOptions::Path::gemm;
  else if (path != "auto")
    throw InputError("--gpu-path", "unknown value '" + path + "' (expected auto, fused or gemm)");
  return c;
}

Problem resolve_problem(const ExperimentSettings& s) {
  if (s.problem_file) return load_problem(*s.problem_file);
  if (s.problem_json) {
    const Doing doing("reading the problem in " + s.problem_origin);
    const nlohmann::json j = json_fields::parse_strict(*s.problem_json, s.problem_origin, s.problem_origin);
    return problem_from_json(j, s.problem_origin, s.problem_base_dir);
  }
  const Doing doing("generating the problem");
  if (s.generator) return generate_quadratic(*s.generator);
  if (s.logistic_generator) return generate_logistic(*s.logistic_generator);
  throw InputError("--problem", "no problem given (use --problem FILE, --preset NAME or --config FILE)");
}

}  // namespace horizon
