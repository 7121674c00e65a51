#include "backends/shell/presence_queue.hpp"

namespace star::server::shell {
namespace fed = protocol::federation;

bool presence_queue::add(presence_change change, std::string peer_id) {
    if (pending_.size() >= max_pending_changes) return false;
    pending_.emplace_back(change, std::move(peer_id));
    return true;
}

std::vector<fed::envelope> presence_queue::take() {
    std::vector<fed::envelope> out;
    for (auto& [change, id] : pending_) {
        auto type = change == presence_change::left ? fed::envelope_type::leave : fed::envelope_type::join;
        if (out.empty() || out.back().type != type || out.back().peers.size() >= peers_per_envelope) {
            out.emplace_back();
            out.back().type = type;
        }
        out.back().peers.push_back(std::move(id));
    }
    pending_.clear();
    return out;
}

std::vector<fed::envelope> snapshot_envelopes(std::vector<std::string> peer_ids) {
    std::vector<fed::envelope> out(1);  // an envelope's type is presence by default
    for (auto& id : peer_ids) {
        if (out.back().peers.size() >= peers_per_envelope) out.emplace_back();
        out.back().peers.push_back(std::move(id));
    }
    return out;
}

}  // namespace star::server::shell
