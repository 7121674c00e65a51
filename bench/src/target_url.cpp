#include "target_url.hpp"

#include <stdexcept>

namespace webrtc_star::bench {
namespace {

struct scheme_info {
    char const* prefix;
    bool tls;
    int default_port;
};
constexpr scheme_info schemes[] = {
    {"ws://", false, 80}, {"http://", false, 80}, {"wss://", true, 443}, {"https://", true, 443}};

unsigned short parse_port(std::string const& text, std::string const& url) {
    std::size_t used = 0;
    int port = 0;
    try {
        port = std::stoi(text, &used);
    } catch (std::exception const&) {
        used = 0;
    }
    if (used != text.size() || port < 1 || port > 65535) throw std::invalid_argument("bad port in --url: " + url);
    return static_cast<unsigned short>(port);
}

// EIO=3 or EIO=4 in the query, if any; the rest of the query is ours to write.
int eio_of(std::string const& query, std::string const& url) {
    auto at = query.find("EIO=");
    if (at == std::string::npos) return 0;
    auto v = query.substr(at + 4, 1);
    if (v != "3" && v != "4")
        throw std::invalid_argument("--url asks for EIO=" + v + "; the bench speaks EIO=3 and EIO=4: " + url);
    return v[0] - '0';
}

}  // namespace

target_url parse_target_url(std::string const& url) {
    target_url t;
    t.url = url;
    std::string rest;
    int port = 0;
    for (auto const& s : schemes) {
        if (url.rfind(s.prefix, 0) == 0) {
            rest = url.substr(std::string(s.prefix).size());
            t.tls = s.tls;
            port = s.default_port;
        }
    }
    if (port == 0) throw std::invalid_argument("--url must start with ws://, wss://, http:// or https://: " + url);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? t.path : rest.substr(slash);
    std::string port_text;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) throw std::invalid_argument("bad IPv6 address in --url: " + url);
        t.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
    } else {
        auto colon = authority.rfind(':');
        t.host = authority.substr(0, colon);
        if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    }
    if (t.host.empty()) throw std::invalid_argument("no host in --url: " + url);
    t.port = port_text.empty() ? static_cast<unsigned short>(port) : parse_port(port_text, url);
    auto q = path.find('?');
    if (q != std::string::npos) {
        t.eio = eio_of(path.substr(q + 1), url);
        path.erase(q);
    }
    // No Engine.IO server answers at "/": a bare host means the default path.
    if (!path.empty() && path != "/") t.path = path;
    return t;
}

std::string target_url::host_header() const {
    auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return h + ":" + std::to_string(port);
}

std::string target_url::request_target(int eio_version) const {
    return path + "?EIO=" + std::to_string(eio_version) + "&transport=websocket";
}

}  // namespace webrtc_star::bench
