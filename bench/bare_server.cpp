// The benchmark's baseline: a bare cpp-httplib server tuned like ruddermock's (same thread
// pool, TCP_NODELAY, keep-alive, backlog, body read through a ContentReader) that only
// answers "ok". Not part of the product.
#include <httplib.h>
#include <iostream>
#include <sys/socket.h>

int main(int argc, char** argv) {
    int threads = argc > 1 ? std::atoi(argv[1]) : 64;
    httplib::Server srv;
    srv.new_task_queue = [threads] {
        return new httplib::ThreadPool(static_cast<size_t>(threads));
    };
    srv.set_tcp_nodelay(true);
    srv.set_keep_alive_max_count(1000000);
    srv.set_keep_alive_timeout(2);
    int listen_fd = -1;
    srv.set_socket_options([&](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        listen_fd = static_cast<int>(sock);
    });
    srv.Post(".*", [](const httplib::Request&, httplib::Response& res,
                      const httplib::ContentReader& reader) {
        std::string body;
        reader([&](const char* data, size_t len) {
            body.append(data, len);
            return true;
        });
        res.set_content("ok", "text/plain; charset=utf-8");
    });
    int port = srv.bind_to_any_port("127.0.0.1");
    ::listen(listen_fd, 1024);
    std::cout << port << std::endl;
    srv.listen_after_bind();
}
