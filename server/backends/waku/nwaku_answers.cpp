#include "backends/waku/nwaku_answers.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace star::server::waku {

namespace {

bool contains(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

// Reads a decimal number at the front of `s`, advancing it.
std::optional<int> take_number(std::string_view& s) {
    int n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || n < 0) return std::nullopt;
    s.remove_prefix(static_cast<std::size_t>(end - s.data()));
    return n;
}

}  // namespace

std::optional<nwaku_version> parse_nwaku_version(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '"')) text.remove_prefix(1);
    if (text.empty() || text.front() != 'v') return std::nullopt;
    text.remove_prefix(1);
    nwaku_version v;
    auto major = take_number(text);
    if (!major || text.empty() || text.front() != '.') return std::nullopt;
    text.remove_prefix(1);
    auto minor = take_number(text);
    if (!minor) return std::nullopt;
    v.major = *major;
    v.minor = *minor;
    if (!text.empty() && text.front() == '.') {
        text.remove_prefix(1);
        v.patch = take_number(text).value_or(0);
    }
    return v;
}

relay_answer classify_relay_answer(unsigned status, std::string_view body) {
    if (status == 200) return relay_answer::ok;
    if (status == 404) {
        if (contains(body, "while initializing")) return relay_answer::initialising;
        if (contains(body, "--relay")) return relay_answer::relay_disabled;
        return relay_answer::not_subscribed;
    }
    if (status == 400) {
        if (contains(body, "Invalid path or method")) return relay_answer::wrong_base_path;
        if (contains(body, "not subscribed")) return relay_answer::not_subscribed;
        return relay_answer::message_refused;
    }
    return relay_answer::failed;
}

bool is_health_report(std::string_view body) {
    auto report = nlohmann::json::parse(body, nullptr, false);
    return report.is_object() && report.contains("nodeHealth") && report["nodeHealth"].is_string();
}

std::optional<std::string> health_problem(std::string_view body) {
    auto report = nlohmann::json::parse(body, nullptr, false);
    if (!report.is_object() || !report.contains("nodeHealth") || !report["nodeHealth"].is_string()) return std::nullopt;
    auto const& node = report["nodeHealth"].get_ref<std::string const&>();
    if (node != "READY") return "nwaku is " + node;
    if (!report.contains("protocolsHealth") || !report["protocolsHealth"].is_array()) return std::nullopt;
    for (auto const& p : report["protocolsHealth"]) {
        if (!p.is_object() || !p.contains("Relay") || !p["Relay"].is_string()) continue;
        auto const& relay = p["Relay"].get_ref<std::string const&>();
        if (relay == "READY") return std::nullopt;
        std::string why = "nwaku relay is " + relay;
        if (p.contains("desc") && p["desc"].is_string()) why += ": " + p["desc"].get<std::string>();
        return why;
    }
    return std::nullopt;
}

}  // namespace star::server::waku
