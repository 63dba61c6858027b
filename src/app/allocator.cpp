#include "app/allocator.hpp"

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace rm {

namespace {
constexpr const char* k_tunable = "glibc.malloc.tcache_count=200";
constexpr const char* k_marker = "RUDDERMOCK_ALLOCATOR_TUNED";
} // namespace

void tune_allocator(char** argv) {
    const char* current = std::getenv("GLIBC_TUNABLES");
    // k_marker: this process is the re-executed one (never loop, whatever glibc does to the
    // variable when it parses it).
    if (std::getenv("RUDDERMOCK_NO_REEXEC") != nullptr || std::getenv(k_marker) != nullptr ||
        (current != nullptr && std::strstr(current, "glibc.malloc.tcache_count") != nullptr)) {
        return;
    }
    std::string value = current != nullptr && *current != '\0'
                            ? std::string(current) + ":" + k_tunable
                            : std::string(k_tunable);
    const std::string before = current != nullptr ? current : "";
    if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0 || setenv(k_marker, "1", 1) != 0) {
        return;
    }
    // Through the real path, not /proc/self/exe: the process name (ps, top, pkill) is the
    // file name of what is executed.
    char path[4096];
    const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0) {
        path[n] = '\0';
        execv(path, argv);
    }
    // Still here: exec failed. Run on with the defaults, without the variables we added.
    unsetenv(k_marker);
    if (current != nullptr) {
        setenv("GLIBC_TUNABLES", before.c_str(), 1);
    } else {
        unsetenv("GLIBC_TUNABLES");
    }
}

} // namespace rm
