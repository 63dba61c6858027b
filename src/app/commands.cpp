#include "app/commands.hpp"

namespace rm {

int cmd_export(const std::vector<std::string>& args); // cmd_export.cpp
int cmd_verify(const std::vector<std::string>& args); // cmd_verify.cpp
int cmd_replay(const std::vector<std::string>& args); // cmd_replay.cpp

const std::vector<Subcommand>& subcommands() {
    // Each entry's run function lives in its own src/app/cmd_<name>.cpp.
    static const std::vector<Subcommand> k_commands = {
        {"export", "write captured events as NDJSON/JSON/HAR/curl (ruddermock export --help)",
         cmd_export},
        {"verify", "compare captured events with a fixture (ruddermock verify --help)", cmd_verify},
        {"replay", "send exported events or a HAR file to a data plane (ruddermock replay --help)",
         cmd_replay},
    };
    return k_commands;
}

std::optional<int> run_subcommand(const std::vector<std::string>& args) {
    if (args.empty()) {
        return std::nullopt;
    }
    for (const auto& c : subcommands()) {
        if (args[0] == c.name) {
            return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
        }
    }
    return std::nullopt;
}

} // namespace rm
