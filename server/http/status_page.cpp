#include "http/status_page.hpp"

#include "metrics/process_stats.hpp"

namespace star::server {

std::string status_page(config const& cfg, metrics const& stats) {
    auto p = read_process_stats();
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - stats.started);
    std::string page;
    page.reserve(2048);
    page +=
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>webrtc-star-server</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em}"
        "code{background:#f3f3f3;padding:0 .2em}td{padding:.1em 1em .1em 0}</style></head><body>\n"
        "<h1>webrtc-star-server</h1>\n"
        "<p>A WebRTC-star signalling server for libp2p. Listen on it from a libp2p node with "
        "<code>/dns4/&lt;this host&gt;/tcp/&lt;port&gt;/wss/p2p-webrtc-star</code> "
        "(or <code>/ws/</code> without TLS).</p>\n<table>\n";
    auto row = [&](std::string_view name, std::string const& value) {
        page += "<tr><td>";
        page += name;
        page += "</td><td>";
        page += value;
        page += "</td></tr>\n";
    };
    row("peers joined", std::to_string(stats.peers.load()));
    row("open connections", std::to_string(stats.connections.load()));
    row("handshake messages", std::to_string(stats.dials_total.load()));
    row("uptime", std::to_string(uptime.count()) + " s");
    row("resident memory", std::to_string(p.resident_bytes / 1024) + " KiB");
    if (!stats.federation_public_key.empty())
        row("federation public key", "<code>" + stats.federation_public_key + "</code>");
    page += "</table>\n<p>";
    page += cfg.metrics ? "<a href=\"/metrics\">Prometheus metrics</a> · " : "";
    page += "<a href=\"/healthz\">health</a></p>\n</body></html>\n";
    return page;
}

}  // namespace star::server
