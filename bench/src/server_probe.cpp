#include "server_probe.hpp"

#include <sys/resource.h>
#include <algorithm>
#include <iostream>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "options.hpp"

namespace webrtc_star::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// --resolve NAME=ADDR+ADDR... for `host`, if given.
std::vector<std::string> overrides_for(options const& cfg, std::string const& host) {
    std::vector<std::string> out;
    for (auto const& r : cfg.resolve) {
        auto eq = r.find('=');
        if (eq == std::string::npos || r.substr(0, eq) != host) continue;
        std::size_t start = eq + 1;
        for (;;) {
            auto plus = r.find('+', start);
            out.push_back(r.substr(start, plus == std::string::npos ? std::string::npos : plus - start));
            if (plus == std::string::npos) break;
            start = plus + 1;
        }
    }
    return out;
}

std::vector<tcp::endpoint> lookup(options const& cfg, target_url const& t) {
    std::vector<tcp::endpoint> out;
    auto overrides = overrides_for(cfg, t.host);
    for (auto const& a : overrides) {
        boost::system::error_code ec;
        auto addr = net::ip::make_address(a, ec);
        if (ec) throw std::runtime_error("--resolve: not an address: '" + a + "'");
        out.emplace_back(addr, t.port);
    }
    if (!overrides.empty()) return out;
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto results = resolver.resolve(t.host, std::to_string(t.port), ec);
    if (ec || results.empty()) throw std::runtime_error("cannot resolve " + t.host + ": " + ec.message());
    for (auto const& r : results)
        if (std::find(out.begin(), out.end(), r.endpoint()) == out.end()) out.push_back(r.endpoint());
    return out;
}

std::vector<tcp::endpoint> resolve(options const& cfg, target_url const& t) {
    auto out = lookup(cfg, t);
    for (auto const& ep : out)
        if (!cfg.own_target && !is_loopback(ep.address()))
            throw target_refused(t.host + " resolves to " + ep.address().to_string() +
                                 ", outside loopback: load-test only servers you run, and say so "
                                 "with --i-own-this-target");
    return out;
}

// One TCP connection (bounded by 5 s); the error, if any.
boost::system::error_code try_connect(tcp::endpoint const& ep) {
    net::io_context ioc;
    tcp::socket sock(ioc);
    net::steady_timer timer(ioc, std::chrono::seconds(5));
    boost::system::error_code result = net::error::timed_out;
    sock.async_connect(ep, [&](boost::system::error_code e) {
        result = e;
        timer.cancel();
    });
    timer.async_wait([&](boost::system::error_code e) {
        if (!e) sock.close();
    });
    ioc.run();
    return result == net::error::operation_aborted ? net::error::timed_out : result;
}

// Keeps the addresses that accept a connection; warns about the others, so a
// name with one dead address out of several still gets load on the rest.
std::vector<tcp::endpoint> reachable(target_url const& t, std::vector<tcp::endpoint> const& addrs) {
    std::vector<tcp::endpoint> out;
    boost::system::error_code last;
    for (auto const& ep : addrs) {
        auto ec = try_connect(ep);
        if (!ec) {
            out.push_back(ep);
            continue;
        }
        last = ec;
        if (addrs.size() > 1)
            std::cerr << "webrtc-star-bench: warning: " << t.host << " address " << ep << " unreachable ("
                      << ec.message() << "); not used\n";
    }
    if (out.empty())
        throw std::runtime_error("cannot connect to " + t.host + ":" + std::to_string(t.port) + ": " + last.message());
    return out;
}

}  // namespace

bool is_loopback(net::ip::address const& a) {
    if (a.is_v4()) return (a.to_v4().to_uint() >> 24) == 127;
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return (net::ip::make_address_v4(net::ip::v4_mapped, v6).to_uint() >> 24) == 127;
    return v6.is_loopback();
}

server_addresses probe_servers(options const& cfg) {
    server_addresses out;
    for (auto const& t : cfg.targets)
        out.push_back(resolve(cfg, t));  // every target checked before any is connected to
    for (std::size_t i = 0; i < cfg.targets.size(); ++i) out[i] = reachable(cfg.targets[i], out[i]);
    return out;
}

std::size_t raise_open_file_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return static_cast<std::size_t>(rl.rlim_cur);
}

}  // namespace webrtc_star::bench
