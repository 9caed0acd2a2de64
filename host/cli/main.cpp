// horizon — command-line entry point. Bad input: one line on stderr, exit 2.
#include <exception>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "horizon/error.hpp"
#include "horizon/io_error.hpp"

int main(int argc, char** argv) {
  using namespace horizon::cli;
  CLI::App app{"horizon: finite-horizon bilevel data mixing: sweep the inner horizon T against the budget N"};
  app.require_subcommand(1);
  std::map<CLI::App*, Action> actions;
  auto add = [&](Action a) { actions[app.get_subcommands({}).back()] = std::move(a); };
  add(add_run_command(app));
  add(add_sweep_command(app));
  add(add_analyze_command(app));
  add(add_check_command(app));
  add(add_optimum_command(app));
  add(add_generate_command(app));
  add(add_bench_command(app));
  add(add_info_command(app));
  try {
    bool known_command = false;
    std::string known;
    for (auto& [cmd, action] : actions) {
      known += (known.empty() ? "" : ", ") + cmd->get_name();
      known_command = known_command || (argc > 1 && cmd->get_name() == argv[1]);
    }
    if (argc > 1 && argv[1][0] != '-' && !known_command) {
      throw horizon::InputError("horizon", std::string("unknown command '") + argv[1] + "' (expected " + known + ")");
    }
    app.parse(argc, argv);
    for (auto& [cmd, action] : actions)
      if (cmd->parsed()) return action();
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "horizon: error: " << e.what() << " (see horizon --help)\n";
    return 2;
  } catch (const horizon::InputError& e) {
    std::cerr << "horizon: error: " << e.what() << "\n";
    return 2;
  } catch (const horizon::IoError& e) {
    std::cerr << "horizon: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "horizon: internal error: " << e.what() << "\n";
    return 3;
  }
  return 2;
}
