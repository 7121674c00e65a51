#include "server.hpp"

#include "metrics/metrics.hpp"
#include "signalling/signalling_hub.hpp"
#include "transport/client_session.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"
#include "transport/server_context.hpp"
#include "transport/session_registry.hpp"

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <thread>

namespace star::server {
namespace net = boost::asio;

namespace {

// Clients are file descriptors: use all the kernel allows this process.
void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

std::string describe(net::ip::tcp::endpoint const& ep) {
    auto a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

// Closes every session with "going away" and waits, at most `timeout`, for them to go.
void drain(session_registry& sessions, std::chrono::milliseconds timeout) {
    sessions.for_each([](client_session& s) { s.close_going_away(); });
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (sessions.size() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

int run_server(config const& cfg) {
    auto log = spdlog::get("main");
    raise_fd_limit();
    boost::system::error_code ec;
    auto address = net::ip::make_address(cfg.host, ec);
    if (ec) throw std::runtime_error("invalid --host '" + cfg.host + "': " + ec.message());

    // Declared so that teardown can go in the one safe order (see the end).
    metrics stats;
    session_registry sessions;
    auto pool = std::make_unique<io_pool>(cfg.io_threads());
    auto hub_context = std::make_unique<net::io_context>(1);
    auto hub_guard = net::make_work_guard(*hub_context);
    auto hub = std::make_unique<signalling_hub>(hub_context->get_executor(), cfg, stats);
    server_context ctx{cfg, stats, *hub, sessions};

    std::shared_ptr<listener> accept;
    try {
        accept = std::make_shared<listener>(*pool, net::ip::tcp::endpoint(address, cfg.port), ctx);
    } catch (boost::system::system_error const& e) {
        throw std::runtime_error("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) + ": " +
                                 e.code().message());
    }
    accept->run();
    std::thread hub_thread([&] { hub_context->run(); });
    pool->start();
    log->info("listening on {} ({} I/O threads, metrics {})", describe(accept->local_endpoint()),
              cfg.io_threads(), cfg.metrics ? "on" : "off");

    net::io_context signals_context(1);
    net::signal_set signals(signals_context, SIGINT, SIGTERM);
    int received = 0;
    signals.async_wait([&](boost::system::error_code, int sig) { received = sig; });
    signals_context.run();

    log->info("signal {}: closing {} connections", received, sessions.size());
    accept->stop();
    drain(sessions, cfg.shutdown_timeout);
    if (sessions.size() > 0) log->warn("{} connections did not close in time", sessions.size());
    pool->stop();
    pool->join();
    hub_guard.reset();
    hub_context->stop();
    hub_thread.join();
    // Sessions are owned by the hub's table and by queued handlers; they need their I/O
    // contexts and `ctx` while they are destroyed. So: hub first, then the pool, ctx last.
    accept.reset();
    hub.reset();
    hub_context.reset();
    pool.reset();
    log->info("stopped");
    return 0;
}

}  // namespace star::server
