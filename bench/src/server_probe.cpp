#include "server_probe.hpp"

#include <stdexcept>
#include <sys/resource.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "options.hpp"

namespace webrtc_star::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

tcp::endpoint probe_server(options const& cfg)
{
    auto where = cfg.host + ":" + std::to_string(cfg.port);
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto results = resolver.resolve(cfg.host, std::to_string(cfg.port), ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot resolve " + cfg.host + ": " + ec.message());
    tcp::socket sock(ioc);
    net::steady_timer timer(ioc, std::chrono::seconds(5));
    boost::system::error_code result = net::error::timed_out;
    tcp::endpoint chosen;
    net::async_connect(sock, results, [&](boost::system::error_code e, tcp::endpoint ep) {
        result = e;
        chosen = ep;
        timer.cancel();
    });
    timer.async_wait([&](boost::system::error_code e) {
        if (!e)
            sock.close();
    });
    ioc.run();
    if (result)
        throw std::runtime_error("cannot connect to " + where + ": " +
                                 (result == net::error::operation_aborted
                                      ? std::string("timed out")
                                      : result.message()));
    return chosen;
}

std::size_t raise_open_file_limit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return static_cast<std::size_t>(rl.rlim_cur);
}

} // namespace webrtc_star::bench
