// Our peers' joins and leaves on their way to the other servers, coalesced: what happened within a
// moment goes out together, as few envelopes as the order of joins and leaves allows. Pure.
#pragma once

#include "protocol/federation_envelope.hpp"
#include "signalling/backend.hpp"

#include <string>
#include <utility>
#include <vector>

namespace star::server::shell {

// How many peers one presence, join or leave envelope names: half of what a receiver accepts
// (protocol::federation::max_peers_per_envelope), so that an envelope stays far below nwaku's
// default message size once sealed (about 28 kB of peer ids) whatever the ids' length.
inline constexpr std::size_t peers_per_envelope = protocol::federation::max_peers_per_envelope / 2;

// Joins and leaves waiting at most; beyond, they are dropped (and counted by the caller): a lost
// join is repaired by the next presence snapshot, a lost leave by the other servers' peer TTL.
inline constexpr std::size_t max_pending_changes = 100'000;

class presence_queue {
public:
    // False (and nothing queued) when full.
    bool add(presence_change change, std::string peer_id);
    bool empty() const { return pending_.empty(); }
    std::size_t size() const { return pending_.size(); }
    // Everything queued, in order, as join and leave envelopes of at most peers_per_envelope peers
    // (a new envelope wherever a join follows a leave or the reverse); the queue is empty after.
    std::vector<protocol::federation::envelope> take();

private:
    std::vector<std::pair<presence_change, std::string>> pending_;
};

// A presence snapshot as envelopes of at most peers_per_envelope peers; one empty envelope when
// there are none (it still tells the others this server is there).
std::vector<protocol::federation::envelope> snapshot_envelopes(std::vector<std::string> peer_ids);

}  // namespace star::server::shell
