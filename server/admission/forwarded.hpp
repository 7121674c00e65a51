// The real client address of an HTTP request: the TCP peer, unless that peer is a trusted
// proxy, in which case the chain it forwards (Forwarded, RFC 7239, or else X-Forwarded-For) is
// walked from the right, past every trusted hop, to the first address we do not trust: that is
// the client. A header we cannot read gives the TCP peer back, and says so (`malformed`).
#pragma once

#include "admission/cidr.hpp"

#include <string_view>

namespace star::server::admission {

struct resolved_client {
    ip_address address;
    bool forwarded = false;  // taken from a header
    bool malformed = false;  // a trusted proxy sent a header we could not read: the peer is used
};

// `forwarded` and `x_forwarded_for`: the headers' values (empty when absent; several header
// lines joined with ", ", as HTTP allows).
resolved_client resolve_client(ip_address const& peer, std::string_view forwarded, std::string_view x_forwarded_for,
                               cidr_list const& trusted_proxies);

}  // namespace star::server::admission
