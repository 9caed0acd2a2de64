// `horizon generate`: write a seeded quadratic or logistic problem as JSON
// (logistic data inline, or as CSV files beside it with --csv).
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"
#include "horizon/problem.hpp"
#include "../io/checked_file.hpp"  // host/ is not on the CLI's include path

namespace horizon {
namespace cli {
namespace {

struct Args {
  std::string kind = "quadratic", d, K = "3", mu = "0.1", L = "1", aligned = "0", spread, lean = "0.25", seed = "0",
              out, examples = "200", validation_examples = "500", label_noise = "0.1", shift = "0.5",
              lambda = "0.01", lambda_v = "0";
  bool diagonal = false, csv = false;
  CLI::App* cmd = nullptr;
  bool given(const char* flag) const { return cmd->count(flag) > 0; }
};

// The problem file, checked (a full disk is an IoError, not a cut file): a
// regular file atomically; an existing special file (/dev/stdout, a FIFO) is
// written in place, since a rename would replace it.
void write_output(const std::string& path, const std::string& text) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    io::AppendFile f(path);
    f.append(text);
    f.close();
    return;
  }
  io::write_file_atomically(path, text);
}

std::string dir_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string stem_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

nlohmann::json quadratic(const Args& a) {
  GeneratorParams g;
  g.d = static_cast<int>(parse_positive_int("--d", a.d.empty() ? "5" : a.d));
  g.K = static_cast<int>(parse_positive_int("--K", a.K));
  g.mu = parse_positive("--mu", a.mu);
  g.L = parse_positive("--L", a.L);
  g.diagonal = a.diagonal;
  g.aligned = static_cast<int>(parse_seed("--aligned", a.aligned));
  g.spread = parse_nonnegative("--spread", a.spread.empty() ? "1" : a.spread);
  g.lean = parse_nonnegative("--lean", a.lean);
  g.seed = parse_seed("--problem-seed", a.seed);
  return quadratic_to_json(generate_quadratic(g));
}

nlohmann::json logistic(const Args& a) {
  LogisticGeneratorParams g;
  g.d = static_cast<int>(parse_positive_int("--d", a.d.empty() ? "20" : a.d));
  g.K = static_cast<int>(parse_positive_int("--K", a.K));
  g.examples = static_cast<int>(parse_positive_int("--examples", a.examples));
  g.validation_examples = static_cast<int>(parse_positive_int("--validation-examples", a.validation_examples));
  g.label_noise = parse_nonnegative("--label-noise", a.label_noise);
  g.spread = parse_nonnegative("--spread", a.spread.empty() ? "0.6" : a.spread);
  g.shift = parse_nonnegative("--shift", a.shift);
  g.aligned = static_cast<int>(parse_seed("--aligned", a.aligned));
  g.lambda = parse_positive("--lambda", a.lambda);
  g.lambda_v = parse_nonnegative("--lambda-v", a.lambda_v);
  g.seed = parse_seed("--problem-seed", a.seed);
  const LogisticProblem p = generate_logistic(g);
  nlohmann::json j = logistic_to_json(p);
  if (!a.csv) return j;
  // Data as CSV files next to the JSON, named <stem>.<domain>.csv.
  const std::string dir = dir_of(a.out), stem = stem_of(a.out);
  for (int k = 0; k < p.K; ++k) {
    const std::string file = stem + "." + p.names[k] + ".csv";
    write_dataset_csv(dir + "/" + file, p.domains[k], p.d);
    j["domains"][k] = {{"name", p.names[k]}, {"data", file}};
  }
  write_dataset_csv(dir + "/" + stem + ".validation.csv", p.validation, p.d);
  j["validation"] = {{"data", stem + ".validation.csv"}, {"lambda", p.lambda_v}};
  return j;
}

}  // namespace

Action add_generate_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("generate", "write a seeded random problem (quadratic or logistic) as JSON");
  auto a = std::make_shared<Args>();
  a->cmd = cmd;
  cmd->add_option("--kind", a->kind, "quadratic (default) | logistic");
  cmd->add_option("--d", a->d, "dimension (default 5; logistic 20)");
  cmd->add_option("--K", a->K, "domains (default 3)");
  cmd->add_option("--aligned", a->aligned, "domain the validation set leans on (default 0)");
  cmd->add_option("--spread", a->spread, "quadratic: std. dev. of the centres (default 1); logistic: how far domain "
                                         "directions differ, 0..1 (default 0.6)");
  cmd->add_option("--problem-seed", a->seed, "generator seed (default 0)");
  cmd->add_option("--out", a->out, "output file (default stdout)");
  cmd->add_option("--mu", a->mu, "quadratic: smallest eigenvalue (default 0.1)");
  cmd->add_option("--L", a->L, "quadratic: largest eigenvalue (default 1)");
  cmd->add_flag("--diagonal", a->diagonal, "quadratic: diagonal A_j (default dense, randomly rotated)");
  cmd->add_option("--lean", a->lean, "quadratic: c_v = (1-lean) c_aligned + lean mean(c) (default 0.25)");
  cmd->add_option("--examples", a->examples, "logistic: examples per domain (default 200)");
  cmd->add_option("--validation-examples", a->validation_examples, "logistic: validation examples (default 500)");
  cmd->add_option("--label-noise", a->label_noise, "logistic: label flip probability (default 0.1)");
  cmd->add_option("--shift", a->shift, "logistic: std. dev. of each domain's feature offset (default 0.5)");
  cmd->add_option("--lambda", a->lambda, "logistic: L2 weight of the training losses (default 0.01)");
  cmd->add_option("--lambda-v", a->lambda_v, "logistic: L2 weight of the validation loss (default 0)");
  cmd->add_flag("--csv", a->csv, "logistic: write the data as CSV files beside --out");
  return [=]() {
    if (a->kind != "quadratic" && a->kind != "logistic")
      throw InputError("--kind", "unknown value '" + a->kind + "' (expected quadratic or logistic)");
    const bool is_logistic = a->kind == "logistic";
    for (const char* flag : {"--mu", "--L", "--diagonal", "--lean"})
      if (is_logistic && a->given(flag)) throw InputError(flag, "applies to --kind quadratic only");
    for (const char* flag : {"--examples", "--validation-examples", "--label-noise", "--shift", "--lambda", "--lambda-v", "--csv"})
      if (!is_logistic && a->given(flag)) throw InputError(flag, "applies to --kind logistic only");
    if (a->csv && a->out.empty()) throw InputError("--csv", "needs --out FILE (the CSV files go beside it)");
    if (!a->out.empty()) {  // like sweep --out: create the folder the files go to
      const std::filesystem::path parent = std::filesystem::path(a->out).parent_path();
      std::error_code ec;
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
      if (ec) throw InputError("--out", "cannot create directory '" + parent.string() + "': " + ec.message());
    }
    const std::string text = (is_logistic ? logistic(*a) : quadratic(*a)).dump(2) + "\n";
    if (a->out.empty()) {
      std::cout << text;
    } else {
      write_output(a->out, text);
    }
    return 0;
  };
}

}  // namespace cli
}  // namespace horizon
