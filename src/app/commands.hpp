// Subcommands of the ruddermock binary: `ruddermock export|verify|replay ...`. Each reads a
// database or a fixture, does its work and returns an exit code; none starts the server.
// Exit codes: 0 success, 1 the work found a problem (verify mismatch, undelivered events),
// 2 usage or input errors (bad flag, unreadable file, not a ruddermock database).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rm {

// args without argv[0]. nullopt when args[0] names no subcommand (the server runs then).
std::optional<int> run_subcommand(const std::vector<std::string>& args);

// One subcommand: its name, a one-line summary for --help, and its entry point (args after
// the name).
struct Subcommand {
    const char* name;
    const char* summary;
    int (*run)(const std::vector<std::string>& args);
};
const std::vector<Subcommand>& subcommands();

} // namespace rm
