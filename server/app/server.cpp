#include "server.hpp"

#include "backends/make_backend.hpp"
#include "heap_trimmer.hpp"
#include "logger.hpp"
#include "metrics/metrics.hpp"
#include "signalling/signalling_hub.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"
#include "transport/server_context.hpp"
#include "transport/session_base.hpp"
#include "transport/session_registry.hpp"

#include <boost/asio/signal_set.hpp>

#include <sys/resource.h>

#include <functional>
#include <thread>
#include <vector>

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
    sessions.for_each([](session_base& s) { s.close_going_away(); });
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (sessions.size() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// Serves signals until SIGTERM or SIGINT, which it returns. SIGHUP reloads the certificate, the
// federation's trust list and the client allow/deny list files.
int wait_for_stop(net::io_context& signals_context, net::signal_set& signals, tls_context* tls, backend& federation,
                  client_gate& gate) {
    int stop_signal = 0;
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int sig) {
        if (ec) return;
        if (sig != SIGHUP) {
            stop_signal = sig;
            return;
        }
        if (!tls) {
            logger_for("main")->info("SIGHUP: no TLS certificate to reload");
        } else if (auto error = tls->reload(); error.empty()) {
            logger_for("main")->info("SIGHUP: TLS certificate reloaded; new connections use it");
        } else {
            logger_for("main")->error("SIGHUP: keeping the old TLS certificate: {}", error);
        }
        federation.reload();
        if (auto error = gate.reload(); error.empty())
            logger_for("main")->info("SIGHUP: client allow and deny lists reloaded");
        else logger_for("main")->error("SIGHUP: keeping the old client allow and deny lists: {}", error);
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
    signals_context.run();
    return stop_signal;
}

}  // namespace

int run_server(config const& cfg, std::shared_ptr<tls_context> tls) {
    auto& log = logger_for("main");
    // Signals are caught from here on: a supervisor may stop us the moment we say we listen.
    net::io_context signals_context(1);
    net::signal_set signals(signals_context, SIGINT, SIGTERM, SIGHUP);
    raise_fd_limit();
    boost::system::error_code ec;
    auto address = net::ip::make_address(cfg.host, ec);
    if (ec) throw std::runtime_error("invalid --host '" + cfg.host + "': " + ec.message());

    // Declared so that teardown can go in the one safe order (see the end).
    metrics m;  // the process's one set of counters: every layer is handed it (as `m`, or `metrics_`)
    m.memory_budget_bytes.store(static_cast<std::int64_t>(cfg.memory_budget));
    session_registry sessions;
    auto pool = std::make_unique<io_pool>(cfg.io_threads());
    auto hub_context = std::make_unique<net::io_context>(1);
    auto hub_guard = net::make_work_guard(*hub_context);
    auto active_backend = make_backend(cfg, m);  // memory or waku, as cfg.backend says
    auto hub = std::make_unique<signalling_hub>(hub_context->get_executor(), cfg, m, *active_backend);
    server_context ctx{cfg, m, *hub, *active_backend, sessions};

    auto listen = [&](std::uint16_t port, std::shared_ptr<tls_context> with_tls) {
        try {
            auto l = std::make_shared<listener>(*pool, net::ip::tcp::endpoint(address, port), ctx, std::move(with_tls));
            l->run();
            return l;
        } catch (boost::system::system_error const& e) {
            throw std::runtime_error("cannot listen on " + cfg.host + ":" + std::to_string(port) + ": " +
                                     e.code().message());
        }
    };
    std::vector<std::shared_ptr<listener>> listeners{listen(cfg.port, tls)};
    if (cfg.plain_port) listeners.push_back(listen(*cfg.plain_port, nullptr));
    hub->start();
    auto trimmer = std::make_unique<heap_trimmer>(hub_context->get_executor(), m);
    trimmer->start();
    std::thread hub_thread([&] { hub_context->run(); });
    pool->start();
    log->info("listening on {}{} ({} I/O threads, {} backend, server id {}, metrics {})",
              describe(listeners[0]->local_endpoint()), tls ? " (TLS)" : "", cfg.io_threads(), active_backend->name(),
              active_backend->server_id(), cfg.metrics ? "on" : "off");
    if (cfg.plain_port) log->info("listening on {} (plain)", describe(listeners[1]->local_endpoint()));

    int received = wait_for_stop(signals_context, signals, tls.get(), *active_backend, ctx.gate);
    log->info("signal {}: closing {} connections", received, sessions.size());
    for (auto& l : listeners) l->stop();
    drain(sessions, cfg.shutdown_timeout);
    if (sessions.size() > 0) log->warn("{} connections did not close in time", sessions.size());
    pool->stop();
    pool->join();
    // Synchronous: the leaves of all our peers are published (bounded wait) and the backend's
    // thread is joined, so nothing calls into the hub from here on.
    hub->stop();
    trimmer->stop();
    hub_guard.reset();
    hub_context->stop();
    hub_thread.join();
    // Sessions are owned by the hub's table and by queued handlers; they need their I/O
    // contexts and `ctx` while they are destroyed. So: hub first, then the pool; `ctx`, declared
    // after them, is destroyed at return, holding only references, atomics and weak_ptrs by then.
    listeners.clear();
    hub.reset();
    trimmer.reset();
    hub_context.reset();
    pool.reset();
    active_backend.reset();
    log->info("stopped");
    return 0;
}

}  // namespace star::server
