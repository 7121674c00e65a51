#include "config/redis_url.hpp"

#include <charconv>
#include <stdexcept>

namespace star::server::redis {

namespace {

int parse_number(std::string_view s, int max, char const* what) {
    int n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < 0 || n > max)
        throw std::invalid_argument(std::string("expected a ") + what + " from 0 to " + std::to_string(max));
    return n;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        int value = 0;
        auto digits = s.substr(i + 1, 2);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
        if (digits.size() != 2 || ec != std::errc() || end != digits.data() + 2)
            throw std::invalid_argument("a '%' in the URL's user or password is not followed by two hex digits");
        out += static_cast<char>(value);
        i += 2;
    }
    return out;
}

// host, host:port, [v6], [v6]:port
void parse_host_port(std::string_view authority, redis_url& url) {
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) throw std::invalid_argument("an IPv6 host lacks its ']'");
        url.host = std::string(authority.substr(1, close - 1));
        auto rest = authority.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') throw std::invalid_argument("expected ':port' after the host");
        if (!rest.empty()) port = rest.substr(1);
    } else {
        auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (url.host.empty()) throw std::invalid_argument("expected a host, as in redis://127.0.0.1:6379/0");
    if (!port.empty() || authority.ends_with(':')) url.port = parse_number(port, 65535, "port");
    if (url.port == 0) throw std::invalid_argument("expected a port from 1 to 65535");
}

}  // namespace

redis_url parse_redis_url(std::string_view text) {
    redis_url url;
    url.tls = text.starts_with("rediss://");
    if (!url.tls && !text.starts_with("redis://"))
        throw std::invalid_argument("expected redis://[user:password@]host:port/db or rediss://...");
    text.remove_prefix(url.tls ? 9 : 8);
    auto slash = text.find('/');
    auto authority = text.substr(0, slash);
    if (slash != std::string_view::npos) {
        auto db = text.substr(slash + 1);
        if (!db.empty()) url.db = parse_number(db, 1'000'000, "database number");
    }
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        auto credentials = authority.substr(0, at);
        auto colon = credentials.find(':');
        url.user = percent_decode(credentials.substr(0, colon));
        if (colon != std::string_view::npos) url.password = percent_decode(credentials.substr(colon + 1));
        else std::swap(url.user, url.password);  // redis://secret@host: a password alone, as redis-cli -u reads it
        authority = authority.substr(at + 1);
    }
    parse_host_port(authority, url);
    return url;
}

std::string masked(redis_url const& url) {
    std::string out = url.tls ? "rediss://" : "redis://";
    if (!url.user.empty() || !url.password.empty()) out += url.user + (url.password.empty() ? "" : ":***") + "@";
    out += url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    return out + ":" + std::to_string(url.port) + "/" + std::to_string(url.db);
}

std::vector<redis_endpoint> parse_sentinels(std::string_view text) {
    std::vector<redis_endpoint> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        redis_url one;
        one.port = 26379;
        parse_host_port(item, one);
        out.push_back({one.host, one.port});
        if (out.size() > 16) throw std::invalid_argument("more than 16 Sentinels");
    }
    return out;
}

}  // namespace star::server::redis
