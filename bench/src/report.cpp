#include "report.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

namespace webrtc_star::bench {
namespace {

double ms(std::uint64_t us) { return static_cast<double>(us) / 1e3; }

std::string fmt(char const* f, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, a);
    return buf;
}

nlohmann::json latency_json(histogram const& h) {
    return {{"count", h.count()},          {"mean", h.mean() / 1e3},      {"p50", ms(h.percentile(50))},
            {"p90", ms(h.percentile(90))}, {"p99", ms(h.percentile(99))}, {"p99_9", ms(h.percentile(99.9))},
            {"max", ms(h.max())}};
}

nlohmann::json errors_json(snapshot const& s) {
    auto e = nlohmann::json::object();
    for (std::size_t i = 0; i < error_count; ++i)
        if (s.errors[i]) e[std::string(name_of(static_cast<error_kind>(i)))] = s.errors[i];
    return e;
}

std::string errors_line(snapshot const& s) {
    std::string out;
    for (std::size_t i = 0; i < error_count; ++i)
        if (s.errors[i])
            out += (out.empty() ? "" : ", ") + std::string(name_of(static_cast<error_kind>(i))) + " " +
                   std::to_string(s.errors[i]);
    return out.empty() ? "none" : out;
}

std::string latency_line(histogram const& h) {
    return "p50 " + fmt("%.2f", ms(h.percentile(50))) + "  p90 " + fmt("%.2f", ms(h.percentile(90))) + "  p99 " +
           fmt("%.2f", ms(h.percentile(99))) + "  p99.9 " + fmt("%.2f", ms(h.percentile(99.9))) + "  max " +
           fmt("%.2f", ms(h.max())) + " ms";
}

// Handshakes between peers on the same server and on different servers (--url given more than once).
nlohmann::json server_split_json(snapshot const& d) {
    auto cross_offers = d[counter::cross_offers_sent];
    auto cross_done = d[counter::cross_answers_received];
    auto cross_na = d[counter::cross_not_available];
    auto na = d[error_kind::peer_not_available];
    return {{"same_server",
             {{"offers_sent", d[counter::offers_sent] - cross_offers},
              {"completed", d[counter::answers_received] - cross_done},
              {"peer_not_available", na - cross_na},
              {"latency_ms", latency_json(d.handshake_us.since(d.cross_handshake_us))}}},
            {"cross_server",
             {{"offers_sent", cross_offers},
              {"completed", cross_done},
              {"peer_not_available", cross_na},
              {"latency_ms", latency_json(d.cross_handshake_us)}}}};
}

nlohmann::json setup_timeline_json(std::vector<snapshot> const& timeline) {
    auto tl = nlohmann::json::array();
    for (std::size_t i = 0; i < timeline.size(); ++i) {
        auto const& s = timeline[i];
        tl.push_back({{"second", i + 1},
                      {"connected", s[counter::clients_ready]},
                      {"failed", s[counter::clients_failed]},
                      {"errors", s.error_total()},
                      {"connect_p50_ms", ms(s.connect_us.percentile(50))},
                      {"connect_p99_ms", ms(s.connect_us.percentile(99))},
                      {"ws_peer", s[counter::ws_peer_received]}});
    }
    return tl;
}

nlohmann::json phase_json(phase_result const& p) {
    auto const& d = p.delta;
    auto tl = nlohmann::json::array();
    for (std::size_t i = 0; i < p.timeline.size(); ++i) {
        auto const& s = p.timeline[i];
        tl.push_back({{"second", i + 1},
                      {"offers_sent", s[counter::offers_sent]},
                      {"completed", s[counter::answers_received]},
                      {"errors", s.error_total()},
                      {"ws_peer", s[counter::ws_peer_received]},
                      {"p50_ms", ms(s.handshake_us.percentile(50))},
                      {"p99_ms", ms(s.handshake_us.percentile(99))},
                      {"max_ms", ms(s.handshake_us.max())}});
    }
    auto counters = nlohmann::json::object();
    for (std::size_t i = 0; i < counter_count; ++i)
        counters[std::string(name_of(static_cast<counter>(i)))] = d.counters[i];
    return {{"target_rate", p.target_rate},
            {"seconds", p.seconds},
            {"offers_sent", d[counter::offers_sent]},
            {"completed", d[counter::answers_received]},
            {"completed_per_s", p.seconds > 0 ? d[counter::answers_received] / p.seconds : 0.0},
            {"latency_ms", latency_json(d.handshake_us)},
            {"errors", errors_json(d)},
            {"counters", counters},
            {"timeline", tl},
            {"interrupted", p.interrupted},
            {"servers", server_split_json(d)}};
}

void print_phase(std::ostream& out, phase_result const& p, bool with_timeline) {
    auto const& d = p.delta;
    out << "load at " << p.target_rate << " handshakes/s for " << fmt("%.1f", p.seconds) << " s"
        << (p.interrupted ? " (interrupted)" : "") << "\n"
        << "  offers sent " << d[counter::offers_sent] << ", completed " << d[counter::answers_received] << " ("
        << fmt("%.1f", p.seconds > 0 ? d[counter::answers_received] / p.seconds : 0) << "/s)"
        << ", offers received " << d[counter::offers_received] << ", candidates sent/received "
        << d[counter::candidates_sent] << "/" << d[counter::candidates_received] << "\n"
        << "  handshake round trip: " << latency_line(d.handshake_us) << "\n"
        << "  errors: " << errors_line(d) << "\n";
    if (!with_timeline) return;
    out << "  timeline  sec  offers  completed  errors  p50 ms  p99 ms  max ms\n";
    for (std::size_t i = 0; i < p.timeline.size(); ++i) {
        auto const& s = p.timeline[i];
        char line[160];
        std::snprintf(line, sizeof line, "          %4zu %7llu %10llu %7llu %7.2f %7.2f %7.2f\n", i + 1,
                      static_cast<unsigned long long>(s[counter::offers_sent]),
                      static_cast<unsigned long long>(s[counter::answers_received]),
                      static_cast<unsigned long long>(s.error_total()), ms(s.handshake_us.percentile(50)),
                      ms(s.handshake_us.percentile(99)), ms(s.handshake_us.max()));
        out << line;
    }
}

std::uint64_t churned(phase_result const& p) { return p.delta[counter::churn_leaves]; }

std::uint64_t ws_peer_total(run_report const& r) {
    phase_result const* last = nullptr;
    if (!r.phases.empty()) last = &r.phases.back();
    if (r.search && !r.search->steps.empty()) last = &r.search->steps.back().phase;
    return (last ? last->totals_after : r.setup.totals)[counter::ws_peer_received];
}

std::string utc_now() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::vector<phase_result const*> load_phases(run_report const& r) {
    std::vector<phase_result const*> out;
    for (auto const& p : r.phases) out.push_back(&p);
    if (r.search)
        for (auto const& s : r.search->steps) out.push_back(&s.phase);
    return out;
}

// Everything counted over the run: set-up, storm and every load phase.
snapshot run_totals(run_report const& r) {
    snapshot all = r.setup.totals;
    if (r.storm) all.merge(r.storm->delta);
    for (auto const* p : load_phases(r)) all.merge(p->delta);
    return all;
}

void print_setup(std::ostream& out, run_report const& r) {
    auto const& c = r.cfg;
    auto const& t = r.setup.totals;
    out << "webrtc-star-bench  " << c.scenario << "  ";
    for (auto const& u : c.urls) out << u << " ";
    out << "\n"
        << "clients " << c.clients << " (joined " << c.joined_count() << "), threads " << c.threads << ", workers "
        << c.workers << ", offer frame ~" << c.message_bytes << " B, candidates " << c.candidates << ", Engine.IO "
        << c.eio << "\n\n";
    auto ready = t[counter::clients_ready];
    out << "connect+join: " << ready << "/" << r.setup.clients << " ready in " << fmt("%.2f", r.setup.seconds) << " s ("
        << fmt("%.0f", r.setup.seconds > 0 ? ready / r.setup.seconds : 0) << " clients/s), failed "
        << t[counter::clients_failed] << (r.setup.interrupted ? " (interrupted)" : "") << "; announcements quiet after "
        << fmt("%.2f", r.setup.quiet_seconds) << " s more\n"
        << "  connect latency (TCP + upgrade + Socket.IO connect): " << latency_line(t.connect_us) << "\n";
    if (t[counter::tls_handshakes] > 0 || t[error_kind::tls_failed] > 0)
        out << "  TLS handshakes " << t[counter::tls_handshakes] << " (failed " << t[error_kind::tls_failed]
            << "): " << latency_line(t.tls_us) << "\n";
    if (t[counter::eio3_connected] > 0)
        out << "  Engine.IO 3 clients connected: " << t[counter::eio3_connected] << " of " << t[counter::sio_connected]
            << "\n";
    if (!r.setup.first_error.empty()) out << "  first connect error: " << r.setup.first_error << "\n";
    auto ws_peer = ws_peer_total(r);
    auto m = static_cast<unsigned long long>(c.joined_count());
    out << "ws-peer announcements received: " << ws_peer << " (during set-up " << t[counter::ws_peer_received]
        << "; each joined peer hearing of every other would be " << m * (m - 1) << ")\n\n";
}

void print_search(std::ostream& out, search_result const& search) {
    out << "max-rate search, p99 bound " << search.p99_bound_ms << " ms\n";
    for (auto const& s : search.steps) {
        auto const& d = s.phase.delta;
        out << "  " << fmt("%9.0f", s.phase.target_rate) << "/s: completed "
            << fmt("%9.1f", s.phase.seconds > 0 ? d[counter::answers_received] / s.phase.seconds : 0) << "/s  p50 "
            << fmt("%7.2f", ms(d.handshake_us.percentile(50))) << "  p99 "
            << fmt("%7.2f", ms(d.handshake_us.percentile(99))) << " ms  errors " << d.error_total() << "  " << s.verdict
            << "\n";
    }
    out << "highest rate with p99 under the bound: " << search.best_rate << " handshakes/s\n";
}

}  // namespace

void print_summary(std::ostream& out, run_report const& r) {
    print_setup(out, r);
    if (r.storm)
        out << "join storm: " << r.storm->joins << " joins, announcements quiet after " << fmt("%.2f", r.storm->seconds)
            << " s; ws-peer received " << r.storm->ws_peer << " of " << r.storm->ws_peer_expected
            << " (each joined peer hearing of every other)\n";
    for (auto const& p : r.phases) {
        print_phase(out, p, true);
        if (r.cfg.targets.size() > 1) {
            auto const& d = p.delta;
            out << "  cross-server: offers " << d[counter::cross_offers_sent] << ", completed "
                << d[counter::cross_answers_received] << ", peer not available " << d[counter::cross_not_available]
                << "; " << latency_line(d.cross_handshake_us) << "\n";
        }
        if (churned(p) > 0) out << "  churn: " << churned(p) << " clients left and rejoined\n";
    }
    if (r.search) print_search(out, *r.search);
    for (auto const& check : r.slo) out << "SLO " << check.text << "\n";
    if (r.interrupted) out << "(interrupted: figures cover what was measured until then)\n";
}

namespace {

nlohmann::json config_json(options const& c) {
    return {{"clients", c.clients},
            {"joined", c.joined_count()},
            {"eio", c.eio},
            {"tls_verify", !c.insecure},
            {"ca_file", c.ca_file},
            {"churn_rate", c.churn_rate},
            {"connect_rate", c.connect_rate},
            {"rate", c.rate},
            {"duration_s", c.duration_s},
            {"message_bytes", c.message_bytes},
            {"candidates", c.candidates},
            {"threads", c.threads},
            {"workers", c.workers},
            {"source_addrs", c.source_addrs}};
}

nlohmann::json servers_json(run_report const& r) {
    auto servers = nlohmann::json::array();
    for (std::size_t i = 0; i < r.cfg.urls.size(); ++i)
        servers.push_back({{"url", r.cfg.urls[i]},
                           {"addresses", i < r.addresses.size() ? r.addresses[i] : std::vector<std::string>{}}});
    return servers;
}

nlohmann::json setup_json(setup_result const& s) {
    auto const& t = s.totals;
    auto ready = t[counter::clients_ready];
    return {{"clients", s.clients},
            {"ready", ready},
            {"failed", t[counter::clients_failed]},
            {"seconds", s.seconds},
            {"quiet_seconds", s.quiet_seconds},
            {"clients_per_s", s.seconds > 0 ? ready / s.seconds : 0.0},
            {"connect_latency_ms", latency_json(t.connect_us)},
            {"errors", errors_json(t)},
            {"first_error", s.first_error},
            {"interrupted", s.interrupted},
            {"tls_handshakes", t[counter::tls_handshakes]},
            {"tls_handshake_ms", latency_json(t.tls_us)},
            {"eio3_connected", t[counter::eio3_connected]},
            {"timeline", setup_timeline_json(s.timeline)}};
}

nlohmann::json search_json(search_result const& search) {
    auto steps = nlohmann::json::array();
    for (auto const& s : search.steps) {
        auto pj = phase_json(s.phase);
        pj["passed"] = s.passed;
        pj["verdict"] = s.verdict;
        steps.push_back(std::move(pj));
    }
    return {{"p99_bound_ms", search.p99_bound_ms}, {"max_rate", search.best_rate}, {"steps", std::move(steps)}};
}

nlohmann::json storm_json(storm_result const& storm) {
    return {{"joins", storm.joins},
            {"seconds", storm.seconds},
            {"ws_peer_received", storm.ws_peer},
            {"ws_peer_expected", storm.ws_peer_expected},
            {"errors", errors_json(storm.delta)},
            {"timeline", setup_timeline_json(storm.timeline)}};
}

nlohmann::json slo_json(std::vector<slo_check> const& slo) {
    auto checks = nlohmann::json::array();
    bool passed = true;
    for (auto const& s : slo) {
        checks.push_back(
            {{"name", s.name}, {"limit", s.limit}, {"actual", s.actual}, {"passed", s.passed}, {"text", s.text}});
        passed = passed && s.passed;
    }
    return {{"passed", passed}, {"checks", std::move(checks)}};
}

}  // namespace

nlohmann::json to_json(run_report const& r) {
    nlohmann::json j;
    j["schema"] = "webrtc-star-bench-report/1";
    j["created"] = utc_now();
    j["scenario"] = r.cfg.scenario;
    j["url"] = r.cfg.urls.front();
    j["urls"] = r.cfg.urls;
    j["servers"] = servers_json(r);
    j["config"] = config_json(r.cfg);
    j["setup"] = setup_json(r.setup);
    j["ws_peer_received"] = ws_peer_total(r);
    auto phases = nlohmann::json::array();
    for (auto const& p : r.phases) phases.push_back(phase_json(p));
    j["phases"] = std::move(phases);
    if (r.search) j["search"] = search_json(*r.search);
    if (r.storm) j["storm"] = storm_json(*r.storm);
    j["errors"] = errors_json(run_totals(r));
    if (!r.slo.empty()) j["slo"] = slo_json(r.slo);
    j["interrupted"] = r.interrupted;
    return j;
}

slo_figures slo_figures_of(run_report const& r) {
    snapshot load;
    double seconds = 0;
    for (auto const* p : load_phases(r)) {
        load.merge(p->delta);
        seconds += p->seconds;
    }
    auto all = run_totals(r);
    auto const& h = load.handshake_us;
    auto attempts = all[counter::connects_started] + all[counter::offers_sent];
    slo_figures f;
    f.p50_ms = ms(h.percentile(50));
    f.p90_ms = ms(h.percentile(90));
    f.p99_ms = ms(h.percentile(99));
    f.p99_9_ms = ms(h.percentile(99.9));
    f.connect_p99_ms = ms(r.setup.totals.connect_us.percentile(99));
    f.error_ratio = attempts > 0 ? static_cast<double>(all.error_total()) / static_cast<double>(attempts) : 0;
    f.rate = seconds > 0 ? static_cast<double>(load[counter::answers_received]) / seconds : 0;
    return f;
}

}  // namespace webrtc_star::bench
