#include "signalling/intent_log.hpp"

#include <algorithm>

namespace star::server {

void intent_log::record(std::string_view intent_id, std::string_view dst_key, clock::time_point now) {
    auto expires = now + ttl;
    // A dial sends its offer and then ICE candidates under one intent id: refresh, don't duplicate.
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (it->intent_id == intent_id && it->dst_key == dst_key) {
            it->expires = expires;
            return;
        }
    }
    while (!entries_.empty() && (entries_.size() >= capacity || entries_.front().expires <= now)) entries_.pop_front();
    entries_.push_back({std::string(intent_id), std::string(dst_key), expires});
}

bool intent_log::matches(std::string_view intent_id, std::string_view dst_key, clock::time_point now) const {
    return std::any_of(entries_.begin(), entries_.end(), [&](entry const& e) {
        return e.expires > now && e.intent_id == intent_id && e.dst_key == dst_key;
    });
}

}  // namespace star::server
