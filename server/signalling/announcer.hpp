// Tells peers of other peers (ws-peer frames), for peers joined here and peers joined on other
// servers alike:
//   - send_next_peers: a peer hears of up to K peers (--max-peers-per-announce), local then
//     remote, from where its rotation stopped: at its join, then at each of its refreshes;
//   - add_newcomer, then send_newcomers: a peer that joined here, or one another server just
//     told us of, is told to others in a batch (--join-announce-delay, on the hub's timer):
//     each chunk of up to K newcomers goes to K peers older than all of it, one write each, one
//     chunk per turn of the hub's thread (a 500-peer presence chunk is ten short lock holds);
//   - what one receiver is sent at once (a refresh's K peers, a chunk of newcomers) is laid out
//     here as WebSocket frames in one buffer (outbox::send_framed), copied from the frames below:
//     no per-frame reference counts shared with the I/O threads, one write at the connection;
//   - a ws-peer frame depends only on the receiver's prefix and the announced peer id, and most
//     receivers share a prefix, so K receivers cost one frame. Prefixes are interned at join
//     (one shared string per prefix class, compared by address). A local peer's frame, for the
//     last class it was built for, is held by the peer table beside the peer's place in the
//     rotation: a refresh walks the rotation in order and finds each frame there, with no
//     hashing, no string comparison and no allocation. Remote peers' frames are kept in a map
//     by peer id, checked the same way.
// Owned by the hub and called only under its lock; it sends through the hub's outbox. Bounded:
// the batch holds at most max_waiting newcomers (the rest are still met through refreshes), the
// remote frames are cleared when they outgrow twice the remote peers there are, and prefix
// classes no peer holds any more are swept when they outgrow twice the local peers.
#pragma once

#include "config/config.hpp"
#include "signalling/outbox.hpp"
#include "signalling/peer_table.hpp"
#include "signalling/remote_peers.hpp"

#include <cstdint>
#include <functional>
#include <memory>
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
    std::size_t cached_remote_frames() const { return remote_frames_.size(); }
    std::size_t prefix_classes() const { return prefixes_.size(); }
    std::uint64_t frames_built() const { return frames_built_; }  // for the tests: what the caches saved

private:
    struct newcomer {
        std::string key;
        std::uint64_t seq;  // join order: a receiver hears only of newcomers later than itself
        bool remote;
    };
    struct announced {
        peer* local;               // null for a remote peer
        std::string_view peer_id;  // as the frame writes it
        std::uint64_t seq;
    };
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    void add(std::string key, std::uint64_t seq, bool remote);
    std::vector<announced> still_here(std::size_t count);
    void send_chunk(std::vector<announced> const& chunk);
    // The ws-peer frame telling `receiver` of a local peer (by its place in the rotation) or of a
    // remote one (by id), under the receiver's own prefix.
    frame_ptr const& frame_for(peer& receiver, std::size_t local_index);
    frame_ptr const& frame_for(peer& receiver, std::string_view remote_id);
    frame_ptr build(peer const& receiver, std::string_view peer_id);
    // The receiver's prefix class, interned at its join (or at its first frame).
    std::shared_ptr<std::string const> const& prefix_class(peer& receiver);

    config const& cfg_;
    peer_table& table_;
    remote_peers& remote_;
    outbox& out_;
    std::minstd_rand& rng_;
    std::function<void()> schedule_batch_;
    std::uint64_t seq_ = 0;
    std::vector<newcomer> batch_;
    // Remote peers' frames by peer id; local peers' frames are held by the peer table.
    std::unordered_map<std::string, announce_frame, text_hash, std::equal_to<>> remote_frames_;
    // Prefix classes by text; a class lives as long as a peer or a cached frame holds it.
    std::unordered_map<std::string, std::weak_ptr<std::string const>, text_hash, std::equal_to<>> prefixes_;
    std::size_t sweep_prefixes_at_ = 1024;  // twice the live classes at the last sweep, and some
    std::uint64_t frames_built_ = 0;
};

}  // namespace star::server
