// webrtc-star-echo-floor: the least a webrtc-star signalling server can do
// (Engine.IO open, Socket.IO connect, pings, ss-join, ss-handshake relay by
// peer id). Benchmarks of the real server are read against this floor.

#include <iostream>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "listener.hpp"

namespace net = boost::asio;
namespace floor_ns = webrtc_star::floor;

int main(int argc, char** argv) {
    CLI::App app{"webrtc-star-echo-floor: minimal webrtc-star relay, the floor for benchmarks"};
    std::string host = "127.0.0.1";
    unsigned short port = 13580;
    unsigned threads = 1;
    unsigned ping_ms = 25000;
    bool no_announce = false;
    app.add_option("--host", host, "Address to listen on")->capture_default_str();
    app.add_option("-p,--port", port, "Port (0: any free port)")->capture_default_str();
    app.add_option("-t,--threads", threads, "I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
    app.add_option("--ping-interval-ms", ping_ms, "Engine.IO ping interval")->capture_default_str();
    app.add_flag("--no-announce", no_announce, "Do not send ws-peer on joins");
    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }

    try {
        net::io_context ioc(static_cast<int>(threads));
        floor_ns::session_settings settings;
        settings.ping_interval = std::chrono::milliseconds(ping_ms);
        settings.announce = !no_announce;
        auto peers = std::make_shared<floor_ns::peer_registry>();
        auto l = std::make_shared<floor_ns::listener>(ioc, net::ip::tcp::endpoint(net::ip::make_address(host), port),
                                                      peers, settings);
        l->run();
        auto ep = l->local_endpoint();
        std::cerr << "listening on " << ep.address().to_string() << ":" << ep.port() << std::endl;

        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code, int) {
            l->stop();
            ioc.stop();
        });
        std::vector<std::thread> pool;
        for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : pool) t.join();
    } catch (std::exception const& e) {
        std::cerr << "webrtc-star-echo-floor: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
