#pragma once
// One server the bench drives, as given by a --url: ws:// or http:// (plain),
// wss:// or https:// (TLS), host, port and Socket.IO path. Parsing only; the
// addresses the host resolves to are looked up later (server_probe).

#include <string>
#include <vector>

namespace webrtc_star::bench {

struct target_url {
    std::string url;  // as given, for messages and the report
    bool tls = false;
    std::string host;  // name or address, without IPv6 brackets
    unsigned short port = 0;
    std::string path = "/socket.io-next/";  // also for a URL whose path is "/"
    int eio = 0;                            // EIO= from the URL's query; 0 when it has none

    std::string host_header() const;  // "host:port", IPv6 in brackets
    // Request target for an Engine.IO `eio` WebSocket client.
    std::string request_target(int eio_version) const;
};

// Throws std::invalid_argument saying what is wrong with `url`.
target_url parse_target_url(std::string const& url);

}  // namespace webrtc_star::bench
