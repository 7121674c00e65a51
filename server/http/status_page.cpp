#include "http/status_page.hpp"

#include "metrics/process_stats.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace star::server {
namespace {

std::string escaped(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

std::string fixed(double v, char const* format) {
    char buf[48];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// "1234 (0.56/s since start, 2.1% failed)"
std::string totals(std::uint64_t all, std::uint64_t failed, double seconds) {
    std::string out = std::to_string(all);
    out += " (" + fixed(seconds > 0 ? static_cast<double>(all) / seconds : 0.0, "%.2f") + "/s since start";
    if (all > 0)
        out += ", " + fixed(100.0 * static_cast<double>(failed) / static_cast<double>(all), "%.1f") + "% failed";
    return out + ")";
}

class page_writer {
public:
    std::string page;

    void section(std::string_view title) {
        close_table();
        page += "<h2>";
        page += title;
        page += "</h2>\n<table>\n";
        open_ = true;
    }
    void row(std::string_view name, std::string const& value, bool alarm = false) {
        page += alarm ? "<tr class=\"alarm\"><td>" : "<tr><td>";
        page += name;
        page += "</td><td>";
        page += value;
        page += "</td></tr>\n";
    }
    // The reasons with a non-zero count, most first; "none" when all are zero.
    template <std::size_t N> void reasons(std::string_view name, labelled_counter<N> const& c) {
        std::vector<std::pair<std::uint64_t, std::string_view>> seen;
        for (std::size_t i = 0; i < N; ++i)
            if (auto v = c.values[i].load(std::memory_order_relaxed)) seen.emplace_back(v, c.labels[i]);
        std::sort(seen.begin(), seen.end(), [](auto const& a, auto const& b) { return a.first > b.first; });
        std::string value;
        for (auto const& [count, label] : seen)
            value += (value.empty() ? "" : ", ") + std::string(label) + " " + std::to_string(count);
        row(name, seen.empty() ? "none" : value, !seen.empty());
    }
    void close_table() {
        if (open_) page += "</table>\n";
        open_ = false;
    }

private:
    bool open_ = false;
};

void write_clients(page_writer& w, metrics const& s, double seconds) {
    w.section("Clients");
    auto connections = s.connections.load(), polling = s.polling_sessions.load();
    w.row("peers joined", std::to_string(s.peers.load()));
    w.row("open connections", std::to_string(connections) + " (" + std::to_string(connections - polling) +
                                  " WebSocket, " + std::to_string(polling) + " long-polling)");
    w.row("connections opened", totals(s.connections_total.load(), s.connections_refused.load(), seconds));
    w.row("joins", totals(s.joins_total.load(), s.joins_failure.load(), seconds));
    w.row("handshake messages (dials)", totals(s.dials_total.load(), s.dials_failure.load(), seconds));
}

void write_drops(page_writer& w, metrics const& s) {
    w.section("Drops and refusals (since start)");
    w.reasons("joins refused", s.joins_refused);
    w.reasons("messages dropped", s.dropped);
    w.reasons("protocol errors", s.protocol_errors);
    w.row("slow consumers dropped", std::to_string(s.slow_consumers.load()));
    w.row("peer ids taken over", std::to_string(s.takeovers.load()));
    w.row("heartbeat timeouts", std::to_string(s.heartbeat_timeouts.load()));
}

void write_resources(page_writer& w, metrics const& s) {
    w.section("Resources");
    auto p = read_process_stats();
    auto buffered = s.buffered_bytes.load(), budget = s.memory_budget_bytes.load();
    std::string use = std::to_string(buffered / 1024) + " KiB buffered";
    if (budget > 0)
        use += " of " + std::to_string(budget / 1024) + " KiB (" +
               fixed(100.0 * static_cast<double>(buffered) / static_cast<double>(budget), "%.1f") + "%)";
    w.row("memory budget", use, budget > 0 && buffered * 10 > budget * 8);
    w.row("connections shed by the budget", std::to_string(s.budget_sheds.load()), s.budget_sheds.load() > 0);
    w.row("resident memory", std::to_string(p.resident_bytes / 1024) + " KiB");
    w.row("CPU time", fixed(p.cpu_seconds, "%.1f") + " s");
    w.row("open file descriptors", std::to_string(p.open_fds) + " of " + std::to_string(p.max_fds));
}

void write_federation(page_writer& w, config const& cfg, metrics const& s, std::optional<std::string> const& degraded) {
    w.section("Federation");
    w.row("backend", escaped(cfg.backend));
    if (cfg.backend == "memory") return;
    w.row("state", degraded ? "<b>not ready</b>: " + escaped(*degraded) : std::string("ready"), degraded.has_value());
    w.row("remote peers", std::to_string(s.remote_peers.load()));
    w.row("envelopes published / received",
          std::to_string(s.federation_published.load()) + " / " + std::to_string(s.federation_received.load()));
    w.row("relay reconnects / errors",
          std::to_string(s.federation_reconnects.load()) + " / " + std::to_string(s.federation_backend_errors.load()));
    w.reasons("envelopes refused", s.federation_refused);
    w.reasons("envelopes dropped", s.federation_dropped);
    if (!s.federation_public_key.empty())
        w.row("federation public key", "<code>" + escaped(s.federation_public_key) + "</code>");
}

}  // namespace

std::string status_page(config const& cfg, metrics const& m, std::optional<std::string> const& degraded) {
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - m.started);
    auto seconds = static_cast<double>(uptime.count());
    page_writer w;
    w.page.reserve(6144);
    w.page +=
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>webrtc-star-server</title>"
        "<meta http-equiv=\"refresh\" content=\"10\">"
        "<style>body{font-family:system-ui,sans-serif;max-width:52em;margin:2em auto;padding:0 1em}"
        "code{background:#f3f3f3;padding:0 .2em;word-break:break-all}td{padding:.1em 1em .1em 0;vertical-align:top}"
        "td:first-child{white-space:nowrap;color:#555}tr.alarm td:last-child{color:#b00020}"
        "h2{font-size:1.1em;margin-top:1.5em}</style></head><body>\n"
        "<h1>webrtc-star-server</h1>\n"
        "<p>A WebRTC-star signalling server for libp2p. Listen on it from a libp2p node with "
        "<code>/dns4/&lt;this host&gt;/tcp/&lt;port&gt;/wss/p2p-webrtc-star</code> "
        "(or <code>/ws/</code> without TLS).</p>\n<p>Up ";
    w.page += std::to_string(uptime.count()) + " s; ";
    w.page += degraded ? "<b style=\"color:#b00020\">not ready</b>" : "ready";
    w.page += ". This page refreshes every 10 s.</p>\n";
    write_clients(w, m, seconds);
    write_drops(w, m);
    write_resources(w, m);
    write_federation(w, cfg, m, degraded);
    w.close_table();
    w.page += "<p>";
    w.page += cfg.metrics ? "<a href=\"/metrics\">Prometheus metrics</a> · " : "";
    w.page += "<a href=\"/healthz\">health</a> · <a href=\"/readyz\">readiness</a></p>\n</body></html>\n";
    return w.page;
}

}  // namespace star::server
