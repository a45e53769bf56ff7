// main: `rill COMMAND [flags]` — dispatch to the command table, and the one
// place where errors become a message on stderr and an exit code (fail.h).
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "cli/commands.h"
#include "cli/fail.h"

namespace {

void print_overview() {
  std::printf("usage: rill COMMAND [flags]\n\n"
              "rill trains and samples flow-matching generative models.\n\ncommands:\n");
  for (const cli::Command* c : cli::all_commands()) std::printf("  %-10s %s\n", c->name, c->summary);
  std::printf("\n'rill COMMAND --help' describes a command's flags.\n"
              "MODEL is a .safetensors file or the name of a shipped model (moons = web/models/moons.safetensors),\n"
              "or a formula: exact:8gaussians (the exact field of that target) or linear:a,b,c,d (u = A x).\n");
}

bool wants_help(int argc, char** argv) {
  for (int i = 0; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_overview();
    return cli::kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_overview();
    return 0;
  }
  const cli::Command* cmd = nullptr;
  for (const cli::Command* c : cli::all_commands())
    if (name == c->name) cmd = c;
  if (cmd == nullptr) {
    std::fprintf(stderr, "rill: unknown command '%s' (see rill --help)\n", name.c_str());
    return cli::kExitUsage;
  }
  if (wants_help(argc - 2, argv + 2)) {
    cli::print_command_help(*cmd);
    return 0;
  }
  try {
    const cli::Args args(*cmd, argc - 2, argv + 2);
    return cmd->run(args);
  } catch (const cli::CliError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "rill: %s\n", e.text.c_str());
    return e.code;
  } catch (const std::bad_alloc&) {
    std::fflush(stdout);
    std::fprintf(stderr, "rill: out of memory\n");
    return cli::kExitRuntime;
  }
}
