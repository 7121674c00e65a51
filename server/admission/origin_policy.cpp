#include "admission/origin_policy.hpp"

#include <algorithm>
#include <stdexcept>

namespace star::server::admission {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '/')) s.remove_suffix(1);
    return s;
}

}  // namespace

origin_policy::origin_policy(std::string_view list, bool require_origin)
    : any_(false), require_origin_(require_origin) {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = lower(trim(list.substr(0, comma)));
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        if (item.empty()) continue;
        if (item == "*") {
            any_ = true;
            continue;
        }
        entry e;
        auto sep = item.find("://");
        std::string host = sep == std::string::npos ? item : item.substr(sep + 3);
        if (sep != std::string::npos) e.scheme = item.substr(0, sep);
        if (sep == std::string::npos && host.rfind("*.", 0) != 0)
            throw std::invalid_argument(
                "expected an origin such as https://app.example.org or a pattern such as "
                "*.example.org, not '" +
                item + "'");
        if (host.rfind("*.", 0) == 0) {
            e.pattern = true;
            host = host.substr(1);
        }
        if (host.size() < 2 || host.find_first_of("*/ ") != std::string::npos)
            throw std::invalid_argument("cannot read the origin '" + item + "'");
        e.host = host;
        entries_.push_back(std::move(e));
    }
}

bool origin_policy::allows(std::string_view origin) const {
    if (origin.empty()) return !require_origin_;
    if (any_) return true;
    auto o = lower(origin);
    auto sep = o.find("://");
    if (sep == std::string::npos) return false;  // "null", or not an origin
    std::string_view scheme(o.data(), sep);
    std::string_view host(o.data() + sep + 3, o.size() - sep - 3);
    for (auto const& e : entries_) {
        if (!e.scheme.empty() && e.scheme != scheme) continue;
        if (!e.pattern && e.host == host) return true;
        // "*.example.org" matches a.example.org and a.b.example.org, not example.org itself
        if (e.pattern && host.size() > e.host.size() && host.substr(host.size() - e.host.size()) == e.host) return true;
    }
    return false;
}

}  // namespace star::server::admission
