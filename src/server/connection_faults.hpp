// Connection-level faults (reset, close, hang, truncate) done to the socket under a request
// that cpp-httplib is serving. The library hands handlers no socket, so the connection is
// found by its two ports; after a fault the library's own write of the answer fails and it
// closes the socket as after any client error.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace httplib {
struct Request;
} // namespace httplib

namespace rm {

// The file descriptor of the connection carrying req, or -1. Scans the process's open files
// (only when a connection fault fires: tens of microseconds).
int connection_fd(const httplib::Request& req);

// TCP RST before any byte of the answer (connect(AF_UNSPEC) disconnects the socket with a
// reset while the descriptor stays the library's to close).
void reset_connection(int fd);
// FIN without an answer.
void close_connection(int fd);
// Sends bytes (a partial answer), then closes as close_connection.
void send_then_close(int fd, const std::string& bytes);
// Answers nothing until the client closes, max_ms pass, or stopping becomes true; then
// closes. Returns how long it held the connection, in ms.
int64_t hang_connection(int fd, int64_t max_ms, const std::atomic<bool>& stopping);

} // namespace rm
