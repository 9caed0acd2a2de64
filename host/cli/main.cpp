// horizon — command-line entry point. Bad input: one line on stderr, exit 2.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "horizon/activity.hpp"
#include "horizon/error.hpp"
#include "horizon/io_error.hpp"
#include "horizon/version.hpp"
#include "suggest.hpp"
#include "sweep/mpi_launch.hpp"

namespace {

using horizon::cli::closest;

void write_stderr(const std::string& line) {
  const ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

// An exception that escapes where it cannot be caught (an OpenMP region, a
// noexcept function) still ends in one line: out of memory is bad input's
// exit 2, anything else an internal error and abort().
[[noreturn]] void on_terminate() {
  if (const std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::bad_alloc&) {
      write_stderr("horizon: error: out of memory while " + horizon::Doing::now() + "\n");
      std::_Exit(2);
    } catch (const std::exception& x) {
      write_stderr(std::string("horizon: internal error: ") + x.what() + "\n");
    } catch (...) {
      write_stderr("horizon: internal error: unknown exception\n");
    }
  }
  std::abort();
}

// Under mpirun every rank parses the same command line and reads the same
// files, so bad input fails on each alike: rank 0 alone says so. (Errors
// once the ranks have started are said by the rank they happen on:
// cmd_sweep.cpp.)
bool quiet_rank() {
  const char* rank = horizon::mpi::launcher_rank();
  return rank && std::string(rank) != "0";
}

// Exit status 2 for bad input. A quiet rank first gives rank 0 time to say
// why: mpirun ends the whole job as soon as one rank exits non-zero, and
// could otherwise kill rank 0 before its line is out. Rank 0's own exit ends
// the wait (mpirun then stops this rank).
int input_error_status() {
  if (quiet_rank()) std::this_thread::sleep_for(std::chrono::seconds(5));
  return 2;
}

CLI::App* command_named(CLI::App& app, const std::string& name) {
  for (CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name() == name) return sub;
  return nullptr;
}

// "--seeds" of "--seeds=4"; "" for a word that is not an option.
std::string option_word(const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-' || (arg[1] != '-' && !std::isalpha(static_cast<unsigned char>(arg[1]))))
    return "";
  return arg.substr(0, arg.find('='));
}

std::vector<std::string> option_names(const CLI::App& cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : cmd.get_options()) {
    for (const std::string& n : opt->get_lnames()) names.push_back("--" + n);
    for (const std::string& n : opt->get_snames()) names.push_back("-" + n);
  }
  return names;
}

// CLI11's parse errors, said the way the rest of horizon says things, with the
// help of the command they came from.
std::string explain(const CLI::ParseError& e, CLI::App& app, CLI::App* cmd, int argc, char** argv) {
  const std::string help = cmd ? "see horizon " + cmd->get_name() + " --help" : "see horizon --help";
  const std::vector<std::string> names = option_names(cmd ? *cmd : app);
  const int first = cmd ? 2 : 1;
  // A flag given more than once (CLI11: "At Most 1 required but received 2").
  for (const std::string& name : names) {
    int count = 0;
    for (int i = first; i < argc; ++i) count += option_word(argv[i]) == name;
    if (count > 1)
      return name + ": given " + (count == 2 ? std::string("twice") : std::to_string(count) + " times") +
             " (give it once; " + help + ")";
  }
  // An unknown option (CLI11 may report a missing subcommand or value first).
  if (dynamic_cast<const CLI::ExtrasError*>(&e) || !(cmd && cmd->get_allow_extras())) {
    for (int i = first; i < argc; ++i) {
      const std::string word = option_word(argv[i]);
      if (word.empty() || std::find(names.begin(), names.end(), word) != names.end()) continue;
      const std::string guess = closest(word, names);
      return word + ": unknown option (" + (guess.empty() ? "" : "did you mean " + guess + "? ") + help + ")";
    }
  }
  const std::string what = e.what();  // CLI11: "--T: 1 required TEXT missing"
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) && what.find(" required ") != std::string::npos &&
      what.find(" missing") != std::string::npos)
    return what.substr(0, what.find(':')) + ": needs a value (" + help + ")";
  return what + " (" + help + ")";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace horizon::cli;
  std::set_terminate(on_terminate);
  const horizon::Doing doing("parsing the command line");
  CLI::App app{"horizon: finite-horizon bilevel data mixing: sweep the inner horizon T against the budget N"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "horizon " + horizon::version_string(), "print the version and exit");
  std::map<CLI::App*, Action> actions;
  auto add = [&](Action a) { actions[app.get_subcommands({}).back()] = std::move(a); };
  add(add_run_command(app));
  add(add_sweep_command(app));
  add(add_merge_command(app));
  add(add_analyze_command(app));
  add(add_check_command(app));
  add(add_optimum_command(app));
  add(add_generate_command(app));
  add(add_bench_command(app));
  add(add_info_command(app));
  CLI::App* cmd = argc > 1 ? command_named(app, argv[1]) : nullptr;
  try {
    if (argc > 1 && argv[1][0] != '-' && !cmd) {
      std::vector<std::string> known;
      for (auto& [sub, action] : actions) known.push_back(sub->get_name());
      const std::string guess = closest(argv[1], known);
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      std::cerr << "horizon: error: unknown command '" << argv[1] << "' ("
                << (guess.empty() ? "expected one of " + list : "did you mean '" + guess + "'?") << ")\n";
      return 2;
    }
    app.parse(argc, argv);
    for (auto& [sub, action] : actions)
      if (sub->parsed()) {
        const horizon::Doing running("running horizon " + sub->get_name());
        return action();
      }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "horizon: error: " << explain(e, app, cmd, argc, argv) << "\n";
    return 2;
  } catch (const horizon::InputError& e) {
    if (!quiet_rank()) std::cerr << "horizon: error: " << e.what() << "\n";
    return input_error_status();
  } catch (const horizon::IoError& e) {
    if (!quiet_rank()) std::cerr << "horizon: error: " << e.what() << "\n";
    return input_error_status();
  } catch (const std::bad_alloc&) {
    write_stderr("horizon: error: out of memory while " + horizon::Doing::now() + "\n");
    return 2;
  } catch (const std::length_error& e) {  // a container asked for more than max_size(): a size gone wrong
    std::cerr << "horizon: error: out of memory while " << horizon::Doing::now() << " (" << e.what() << ")\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "horizon: internal error: " << e.what() << "\n";
    return 3;
  }
  return 2;
}
