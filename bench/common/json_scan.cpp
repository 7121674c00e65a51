#include "json_scan.hpp"

namespace webrtc_star::scan {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Position just after the ':' that follows `"key"`, or npos.
std::size_t value_pos(std::string_view json, std::string_view key) {
    std::size_t from = 0;
    while (from < json.size()) {
        auto q = json.find(key, from);
        if (q == std::string_view::npos) return q;
        from = q + 1;
        auto end = q + key.size();
        if (q == 0 || json[q - 1] != '"' || end >= json.size() || json[end] != '"') continue;
        auto p = end + 1;
        while (p < json.size() && is_space(json[p])) ++p;
        if (p < json.size() && json[p] == ':') {
            ++p;
            while (p < json.size() && is_space(json[p])) ++p;
            return p;
        }
    }
    return std::string_view::npos;
}

}  // namespace

std::optional<std::string_view> string_field(std::string_view json, std::string_view key) {
    auto p = value_pos(json, key);
    if (p == std::string_view::npos || p >= json.size() || json[p] != '"') return std::nullopt;
    auto begin = p + 1;
    for (auto i = begin; i < json.size(); ++i) {
        if (json[i] == '\\') ++i;
        else if (json[i] == '"') return json.substr(begin, i - begin);
    }
    return std::nullopt;
}

std::optional<bool> bool_field(std::string_view json, std::string_view key) {
    auto p = value_pos(json, key);
    if (p == std::string_view::npos) return std::nullopt;
    auto rest = json.substr(p);
    if (rest.substr(0, 4) == "true") return true;
    if (rest.substr(0, 5) == "false") return false;
    return std::nullopt;
}

bool has_field(std::string_view json, std::string_view key) { return value_pos(json, key) != std::string_view::npos; }

std::string_view peer_id_of(std::string_view multiaddr) {
    auto p = multiaddr.rfind("/p2p/");
    if (p == std::string_view::npos) return {};
    return multiaddr.substr(p + 5);
}

}  // namespace webrtc_star::scan
