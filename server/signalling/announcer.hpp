// Tells peers of other peers (ws-peer frames), for peers joined here and peers joined on other
// servers alike:
//   - send_next_peers: a peer hears of up to K peers (--max-peers-per-announce), local then
//     remote, from where its rotation stopped: at its join, then at each of its refreshes;
//   - add_newcomer, then send_newcomers: a peer that joined here, or one another server just
//     told us of, is told to others in a batch (--join-announce-delay, on the hub's timer):
//     each chunk of up to K newcomers goes to K peers older than all of it, one write each, one
//     chunk per turn of the hub's thread (a 500-peer presence chunk is ten short lock holds);
//   - every ws-peer frame comes from one cache: a frame depends only on the receiver's prefix and
//     the announced peer id, and most receivers share a prefix, so K receivers cost one frame.
// Owned by the hub and called only under its lock; it sends through the hub's outbox. Bounded:
// the batch holds at most max_waiting newcomers (the rest are still met through refreshes) and
// the cache is cleared when it outgrows twice the peers there are.
#pragma once

#include "config/config.hpp"
#include "signalling/outbox.hpp"
#include "signalling/peer_table.hpp"
#include "signalling/remote_peers.hpp"

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace star::server {

class announcer {
public:
    static constexpr std::size_t max_waiting = 65'536;

    // `schedule_batch` is called when a batch starts (its first newcomer): the owner then calls
    // send_newcomers after the delay, under the lock.
    announcer(config const& cfg, peer_table& table, remote_peers& remote, outbox& out, std::minstd_rand& rng,
              std::function<void()> schedule_batch);

    // A peer joined here: gives it its place in the join order and a random start in the rotation.
    void add_newcomer(peer& p);
    // A peer another server holds, new to this server.
    void add_remote_newcomer(std::string const& key);
    // Tells the batch's next K newcomers still here to older peers (at most K*K frames, so that
    // one lock hold stays short however large the batch). True when more of the batch is waiting:
    // the owner calls again, at its next turn.
    bool send_newcomers();
    // Sends `receiver` the next up to K peers of its rotation, local then remote.
    void send_next_peers(peer& receiver);

    std::size_t waiting() const { return batch_.size(); }
    std::size_t cached_frames() const { return frames_.size(); }

private:
    struct newcomer {
        std::string key;
        std::uint64_t seq;  // join order: a receiver hears only of newcomers later than itself
        bool remote;
    };
    struct announced {
        std::string_view peer_id;  // as the frame writes it
        std::uint64_t seq;
    };
    struct cached_frame {
        std::string prefix;
        frame_ptr frame;
    };
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    void add(std::string key, std::uint64_t seq, bool remote);
    std::vector<announced> still_here(std::size_t count);
    void send_chunk(std::vector<announced> const& chunk);
    // The ws-peer frame telling `receiver` of `peer_id`, under the receiver's own prefix.
    frame_ptr frame_for(peer const& receiver, std::string_view peer_id);

    config const& cfg_;
    peer_table& table_;
    remote_peers& remote_;
    outbox& out_;
    std::minstd_rand& rng_;
    std::function<void()> schedule_batch_;
    std::uint64_t seq_ = 0;
    std::vector<newcomer> batch_;
    std::unordered_map<std::string, cached_frame, text_hash, std::equal_to<>> frames_;  // by peer id text
};

}  // namespace star::server
