// Running the ruddermock binary from a test as a user would (its exit code, stdout and
// stderr), and small helpers the CLI tests share: files, a closed port, a server's URL.
#pragma once

#include "export/export_support.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <spawn.h>
#include <sstream>
#include <stdlib.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace rm::test {

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs the binary with args; stdout and stderr go to files, or stderr to a terminal (a
// pseudo-terminal this test reads) when tty_stderr.
inline Run run(const TempDir& dir, std::vector<std::string> args, bool tty_stderr = false) {
    args.insert(args.begin(), RUDDERMOCK_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const std::string out_path = dir / "stdout.txt";
    const std::string err_path = dir / "stderr.txt";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int master = -1;
    int slave = -1;
    if (tty_stderr) {
        master = posix_openpt(O_RDWR | O_NOCTTY);
        REQUIRE(master >= 0);
        REQUIRE(grantpt(master) == 0);
        REQUIRE(unlockpt(master) == 0);
        slave = ::open(ptsname(master), O_RDWR | O_NOCTTY);
        REQUIRE(slave >= 0);
        posix_spawn_file_actions_adddup2(&fa, slave, 2);
    } else {
        posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
    }
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    Run r;
    std::thread tty_reader;
    if (tty_stderr) {
        ::close(slave);
        tty_reader = std::thread([&] {
            char buf[4096];
            for (;;) {
                ssize_t n = ::read(master, buf, sizeof buf);
                if (n <= 0) {
                    break; // EIO once the child closed the terminal
                }
                r.err.append(buf, static_cast<size_t>(n));
            }
        });
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (tty_stderr) {
        tty_reader.join();
        ::close(master);
    } else {
        r.err = slurp(err_path);
    }
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out_path);
    return r;
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// A port nothing listens on (bound, then closed).
inline int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

inline std::string url_of(const TestServer& srv) {
    return "http://127.0.0.1:" + std::to_string(srv.port());
}

} // namespace rm::test
