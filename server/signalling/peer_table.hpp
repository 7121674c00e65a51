// Who is joined, under which peer id, through which connection. Owned by the signalling
// hub and touched only under its lock (docs/ARCHITECTURE.md); no lock of its own, no I/O.
#pragma once

#include "protocol/star_address.hpp"
#include "signalling/client_link.hpp"
#include "signalling/intent_log.hpp"
#include "signalling/receiver_share.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace star::server {

// The ws-peer frame telling others of a peer, as last built for one receiver prefix class
// (announcer): shared by every receiver of that class, which is almost always all of them.
struct announce_frame {
    std::shared_ptr<std::string const> prefix;  // the class it was built for (compared by address)
    frame_ptr frame;
};

struct peer {
    link_ptr link;
    protocol::star_address address;
    intent_log intents;
    std::size_t order_index = 0;      // position in the rotation
    std::size_t rotation_cursor = 0;  // where this peer's next refresh continues (local, then remote)
    steady_time next_refresh{};       // its live entry in the hub's refresh schedule
    std::uint64_t join_seq = 0;       // join order (announcer): a peer hears of those that joined after it
    receiver_share received;          // handshakes others send it: --max-received-per-second
    // Announcer: this peer's own prefix class, interned at its join.
    std::shared_ptr<std::string const> prefix_class;
};

class peer_table {
public:
    peer* find(std::string const& key);
    peer* find_by_link(std::uint64_t link_id);

    // Precondition: neither the key nor the link is in the table.
    peer& insert(link_ptr link, protocol::star_address address);
    void erase(std::string const& key);

    std::size_t size() const { return order_.size(); }
    peer& at(std::size_t i) { return *order_[i].p; }
    // The frame telling others of the i-th peer of the rotation (announcer). It sits in the
    // rotation's dense array, not in the peer's node: a refresh walks the rotation in order, so
    // it reads it without a cache miss.
    announce_frame& frame_at(std::size_t i) { return order_[i].frame; }

private:
    std::unordered_map<std::string, peer> by_key_;
    // A handshake's sender is found by its connection: one integer lookup, no key hashed.
    std::unordered_map<std::uint64_t, peer*> by_link_;  // into by_key_'s nodes, which never move
    struct slot {
        peer* p;
        announce_frame frame;
    };
    std::vector<slot> order_;  // the rotation, dense; erase swaps the last one in
};

}  // namespace star::server
