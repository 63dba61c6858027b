// The flags of a subcommand (commands.hpp), read one at a time: "--flag value",
// "--flag=value" and positional words. Shared by export, verify and replay.
#pragma once

#include "util/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace rm {

class FlagReader {
  public:
    explicit FlagReader(const std::vector<std::string>& args) : m_args(args) {}

    // Moves to the next argument; false after the last.
    bool next() {
        if (m_next >= m_args.size()) {
            return false;
        }
        m_flag = m_args[m_next++];
        m_inline.reset();
        if (size_t eq = m_flag.find('='); m_flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            m_inline = m_flag.substr(eq + 1);
            m_flag.resize(eq);
        }
        return true;
    }
    // The argument: a flag without its "=value", or a positional word as given.
    const std::string& flag() const { return m_flag; }
    // The flag's value: after '=', else the next argument (consumed).
    Result<std::string> value() {
        if (m_inline) {
            return *m_inline;
        }
        if (m_next >= m_args.size()) {
            return make_error("option '" + m_flag + "' needs a value");
        }
        return m_args[m_next++];
    }
    // An error when a flag that takes no value was given one ("--help=yes").
    Status no_value() const {
        if (m_inline) {
            return make_error("option '" + m_flag + "' takes no value");
        }
        return Ok{};
    }

  private:
    const std::vector<std::string>& m_args;
    size_t m_next = 0;
    std::string m_flag;
    std::optional<std::string> m_inline;
};

} // namespace rm
