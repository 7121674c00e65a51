// The HTML report: one self-contained page (inline CSS and SVG, no script,
// no external assets) drawn from the report document, so it can be mailed,
// archived as a CI artifact or opened offline.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report.hpp"

namespace webrtc_star::bench {
namespace {

using json = nlohmann::json;

struct series {
    std::string name;
    std::string color;
    std::vector<double> y;  // one point per second, from second 1
};

std::string esc(std::string const& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v >= 100 || v == std::floor(v) ? "%.0f" : "%.2f", v);
    return buf;
}

// A round axis maximum at or above `v`: 1, 2 or 5 times a power of ten.
double nice_max(double v) {
    if (!(v > 0)) return 1;
    double p = std::pow(10, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= v) return m * p;
    return 10 * p;
}

constexpr int width = 640, height = 240, left = 56, right = 12, top = 28, bottom = 36;

std::string axes(std::string const& title, double y_max, std::size_t x_max, std::string const& y_unit) {
    std::string s = "<svg xmlns='http://www.w3.org/2000/svg' width='" + std::to_string(width) + "' height='" +
                    std::to_string(height) + "' role='img'><title>" + esc(title) + "</title><text x='" +
                    std::to_string(left) + "' y='18' class='t'>" + esc(title) + "</text>";
    int plot_h = height - top - bottom;
    for (int i = 0; i <= 4; ++i) {
        int y = top + plot_h - plot_h * i / 4;
        s += "<line x1='" + std::to_string(left) + "' x2='" + std::to_string(width - right) + "' y1='" +
             std::to_string(y) + "' y2='" + std::to_string(y) + "' class='g'/><text x='" + std::to_string(left - 4) +
             "' y='" + std::to_string(y + 4) + "' class='yl'>" + num(y_max * i / 4) + "</text>";
    }
    s += "<text x='" + std::to_string(width / 2) + "' y='" + std::to_string(height - 6) + "' class='xl'>second (max " +
         std::to_string(x_max) + ")</text><text x='4' y='" + std::to_string(top - 8) + "' class='u'>" + esc(y_unit) +
         "</text>";
    return s;
}

std::string line_chart(std::string const& title, std::vector<series> const& lines, std::string const& unit) {
    std::size_t n = 0;
    double y_max = 0;
    for (auto const& l : lines) {
        n = std::max(n, l.y.size());
        for (double v : l.y) y_max = std::max(y_max, v);
    }
    if (n == 0) return "";
    y_max = nice_max(y_max);
    auto s = axes(title, y_max, n, unit);
    double plot_w = width - left - right, plot_h = height - top - bottom;
    int legend_x = left + 8;
    for (auto const& l : lines) {
        std::string pts;
        for (std::size_t i = 0; i < l.y.size(); ++i) {
            double x = left + (n == 1 ? plot_w / 2 : plot_w * static_cast<double>(i) / static_cast<double>(n - 1));
            double y = top + plot_h - plot_h * l.y[i] / y_max;
            pts += num(x) + "," + num(y) + " ";
        }
        s += "<polyline fill='none' stroke='" + l.color + "' stroke-width='2' points='" + pts + "'/>";
        s += "<text x='" + std::to_string(legend_x) + "' y='" + std::to_string(top + 12) + "' fill='" + l.color +
             "' class='lg'>" + esc(l.name) + "</text>";
        legend_x += 12 + 8 * static_cast<int>(l.name.size());
    }
    return s + "</svg>";
}

std::string bar_chart(std::string const& title, std::vector<std::pair<std::string, double>> const& bars,
                      std::string const& unit, std::string const& color) {
    if (bars.empty()) return "";
    double v_max = 0;
    for (auto const& b : bars) v_max = std::max(v_max, b.second);
    v_max = nice_max(v_max);
    int row = 22, h = top + row * static_cast<int>(bars.size()) + 8, label_w = 150;
    std::string s = "<svg xmlns='http://www.w3.org/2000/svg' width='" + std::to_string(width) + "' height='" +
                    std::to_string(h) + "' role='img'><title>" + esc(title) + "</title><text x='4' y='18' class='t'>" +
                    esc(title) + "</text>";
    double plot_w = width - label_w - 90;
    for (std::size_t i = 0; i < bars.size(); ++i) {
        int y = top + row * static_cast<int>(i);
        double w = plot_w * bars[i].second / v_max;
        s += "<text x='" + std::to_string(label_w - 6) + "' y='" + std::to_string(y + 14) + "' class='yl'>" +
             esc(bars[i].first) + "</text><rect x='" + std::to_string(label_w) + "' y='" + std::to_string(y + 3) +
             "' width='" + num(std::max(w, 1.0)) + "' height='15' fill='" + color + "'/><text x='" +
             num(label_w + w + 6) + "' y='" + std::to_string(y + 14) + "' class='v'>" + num(bars[i].second) + " " +
             esc(unit) + "</text>";
    }
    return s + "</svg>";
}

std::vector<double> column(json const& timeline, char const* key) {
    std::vector<double> out;
    for (auto const& e : timeline) out.push_back(e.value(key, 0.0));
    return out;
}

// The load phases' timelines back to back (a rate search has one per step).
json load_timeline(json const& r) {
    json tl = json::array();
    for (auto const& p : r.value("phases", json::array()))
        for (auto const& e : p.at("timeline")) tl.push_back(e);
    if (r.contains("search"))
        for (auto const& p : r["search"].at("steps"))
            for (auto const& e : p.at("timeline")) tl.push_back(e);
    return tl;
}

std::vector<std::pair<std::string, double>> percentile_bars(json const& latency) {
    std::vector<std::pair<std::string, double>> out;
    for (auto const* k : {"p50", "p90", "p99", "p99_9", "max"}) out.emplace_back(k, latency.value(k, 0.0));
    return out;
}

json merged_latency(json const& r) {
    for (auto const& p : r.value("phases", json::array())) return p.at("latency_ms");
    if (r.contains("search") && !r["search"]["steps"].empty()) return r["search"]["steps"].back().at("latency_ms");
    return json::object();
}

std::string summary_table(json const& r) {
    auto const& c = r.at("config");
    auto const& s = r.at("setup");
    std::string t = "<table>";
    auto row = [&](std::string const& k, std::string const& v) {
        t += "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>";
    };
    std::string urls;
    for (auto const& u : r.at("urls")) urls += u.get<std::string>() + " ";
    row("scenario", r.value("scenario", ""));
    row("servers", urls);
    row("clients", num(c.value("clients", 0.0)) + " (joined " + num(c.value("joined", 0.0)) + "), Engine.IO " +
                       c.value("eio", "4"));
    row("connected", num(s.value("ready", 0.0)) + " in " + num(s.value("seconds", 0.0)) + " s, failed " +
                         num(s.value("failed", 0.0)));
    row("connect p50 / p99", num(s["connect_latency_ms"].value("p50", 0.0)) + " / " +
                                 num(s["connect_latency_ms"].value("p99", 0.0)) + " ms");
    if (s.value("tls_handshakes", 0) > 0)
        row("TLS handshake p50 / p99", num(s["tls_handshake_ms"].value("p50", 0.0)) + " / " +
                                           num(s["tls_handshake_ms"].value("p99", 0.0)) + " ms");
    for (auto const& p : r.value("phases", json::array())) {
        row("handshakes", num(p.value("completed", 0.0)) + " completed of " + num(p.value("offers_sent", 0.0)) + " (" +
                              num(p.value("completed_per_s", 0.0)) + "/s)");
        auto const& x = p["servers"]["cross_server"];
        if (x.value("offers_sent", 0) > 0)
            row("cross-server", num(x.value("completed", 0.0)) + " completed, " +
                                    num(x.value("peer_not_available", 0.0)) + " peer not available, of " +
                                    num(x.value("offers_sent", 0.0)));
    }
    if (r.contains("storm"))
        row("join storm", num(r["storm"].value("joins", 0.0)) + " joins, quiet after " +
                              num(r["storm"].value("seconds", 0.0)) + " s");
    if (r.contains("search")) row("max rate (p99 bound)", num(r["search"].value("max_rate", 0.0)) + " handshakes/s");
    return t + "</table>";
}

std::string slo_table(json const& r) {
    if (!r.contains("slo")) return "";
    std::string t = std::string("<h2>SLO: ") + (r["slo"].value("passed", false) ? "met" : "MISSED") + "</h2><ul>";
    for (auto const& c : r["slo"]["checks"])
        t += std::string("<li class='") + (c.value("passed", false) ? "ok" : "bad") + "'>" + esc(c.value("text", "")) +
             "</li>";
    return t + "</ul>";
}

std::string plots(json const& r) {
    std::string out;
    auto tl = load_timeline(r);
    out += line_chart("Handshake latency over time",
                      {{"p50", "#1f77b4", column(tl, "p50_ms")},
                       {"p99", "#d62728", column(tl, "p99_ms")},
                       {"max", "#999999", column(tl, "max_ms")}},
                      "ms");
    out += line_chart("Handshakes per second",
                      {{"offers", "#7f7f7f", column(tl, "offers_sent")},
                       {"completed", "#2ca02c", column(tl, "completed")},
                       {"errors", "#d62728", column(tl, "errors")}},
                      "per s");
    auto const& stl = r["setup"].value("timeline", json::array());
    out += line_chart(
        "Connect latency during set-up",
        {{"p50", "#1f77b4", column(stl, "connect_p50_ms")}, {"p99", "#d62728", column(stl, "connect_p99_ms")}}, "ms");
    out += line_chart(
        "Connections per second during set-up",
        {{"connected", "#2ca02c", column(stl, "connected")}, {"failed", "#d62728", column(stl, "failed")}}, "per s");
    if (r.contains("storm"))
        out += line_chart("Join storm: announcements per second",
                          {{"ws-peer", "#9467bd", column(r["storm"]["timeline"], "ws_peer")}}, "per s");
    auto latency = merged_latency(r);
    if (!latency.empty()) out += bar_chart("Handshake latency percentiles", percentile_bars(latency), "ms", "#1f77b4");
    out += bar_chart("Connect latency percentiles", percentile_bars(r["setup"]["connect_latency_ms"]), "ms", "#17becf");
    std::vector<std::pair<std::string, double>> errors;
    auto const kinds = r.value("errors", json::object());
    for (auto const& [kind, n] : kinds.items()) errors.emplace_back(kind, n.get<double>());
    out += errors.empty() ? "<p>No errors.</p>" : bar_chart("Errors by kind", errors, "", "#d62728");
    return out;
}

}  // namespace

std::string to_html(json const& r) {
    std::string page =
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>webrtc-star-bench report</title>"
        "<style>body{font:14px sans-serif;margin:24px;max-width:700px}th{text-align:left;padding-right:12px}"
        "svg{display:block;margin:16px 0}.t{font-weight:bold}.g{stroke:#ddd}.yl{text-anchor:end;font-size:11px}"
        ".xl,.u,.lg,.v{font-size:11px}.xl{text-anchor:middle}.ok{color:#2ca02c}.bad{color:#d62728}</style>"
        "</head><body><h1>webrtc-star-bench report</h1><p>" +
        esc(r.value("created", "")) + "</p>";
    page += summary_table(r) + slo_table(r) + plots(r);
    page += "<p>The figures come from the JSON report next to this page (schema: bench/report.schema.json).</p>";
    return page + "</body></html>\n";
}

}  // namespace webrtc_star::bench
