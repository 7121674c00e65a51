// Which browser origins may open sessions: exact origins ("https://app.example.org"), host
// patterns with or without a scheme ("*.example.org", "https://*.example.org"), or "*" for any
// (the default, as the reference server). A request without Origin is not from a browser page
// and is allowed unless `require_origin`. Case-insensitive, as origins are.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace star::server::admission {

class origin_policy {
public:
    origin_policy() = default;  // any origin
    // Comma-separated entries; throws std::invalid_argument naming one it cannot read.
    origin_policy(std::string_view list, bool require_origin);

    bool allows(std::string_view origin) const;  // origin: the header's value, empty when absent
    bool any() const { return any_ && !require_origin_; }

private:
    struct entry {
        std::string scheme;  // empty: any
        std::string host;    // for a pattern: the suffix after "*" (".example.org")
        bool pattern = false;
    };
    bool any_ = true;
    bool require_origin_ = false;
    std::vector<entry> entries_;
};

}  // namespace star::server::admission
