#include "signalling/announcer.hpp"

#include "protocol/client_event.hpp"
#include "protocol/websocket.hpp"

#include <algorithm>

namespace star::server {
namespace ws = protocol::websocket;

announcer::announcer(config const& cfg, peer_table& table, remote_peers& remote, outbox& out, std::minstd_rand& rng,
                     std::function<void()> schedule_batch)
    : cfg_(cfg), table_(table), remote_(remote), out_(out), rng_(rng), schedule_batch_(std::move(schedule_batch)) {}

void announcer::add_newcomer(peer& p) {
    p.join_seq = ++seq_;
    // Bounded both ways: the newcomer hears of at most K peers now, and is told to at most K
    // (with the other newcomers of its batch), so a join costs O(K) however many peers there
    // are. Refreshes rotate through the rest.
    std::uniform_int_distribution<std::size_t> pick(0, table_.size() + remote_.size() - 1);
    p.rotation_cursor = pick(rng_);
    prefix_class(p);
    send_next_peers(p);
    add(p.address.key, p.join_seq, false);
}

void announcer::add_remote_newcomer(std::string const& key) { add(key, ++seq_, true); }

void announcer::add(std::string key, std::uint64_t seq, bool remote) {
    if (batch_.size() >= max_waiting) return;  // it will still be met through refreshes
    batch_.push_back({std::move(key), seq, remote});
    if (batch_.size() == 1) schedule_batch_();
}

// The first `count` newcomers of the batch, of those still what they were when they came: a
// local one not gone or joined again since, a remote one still held by its server and not
// taken here meanwhile.
std::vector<announcer::announced> announcer::still_here(std::size_t count) {
    std::vector<announced> here;
    for (auto const& n : batch_) {
        if (here.size() == count) break;
        if (!n.remote) {
            if (peer* p = table_.find(n.key); p && p->join_seq == n.seq) here.push_back({p, p->address.peer_id, n.seq});
        } else if (remote_.find(n.key) && !table_.find(n.key)) {
            here.push_back({nullptr, n.key, n.seq});
        }
    }
    return here;
}

bool announcer::send_newcomers() {
    std::size_t k = cfg_.max_peers_per_announce;
    std::vector<announced> chunk = still_here(k);  // views into the table and the batch
    send_chunk(chunk);
    // Drop what this turn covered: the chunk's newcomers and the gone ones met on the way.
    std::size_t covered = 0;
    for (std::size_t sent = 0; covered < batch_.size() && sent < chunk.size(); ++covered)
        if (batch_[covered].seq == chunk[sent].seq) ++sent;
    batch_.erase(batch_.begin(),
                 batch_.begin() + static_cast<std::ptrdiff_t>(chunk.size() < k ? batch_.size() : covered));
    return !batch_.empty();
}

// The chunk goes to K peers older than all of it, from a random place in the table, one write
// each. A receiver is told only of peers later than itself (the others it heard of when it
// joined), so newcomers met on the way hear of the later ones of their chunk too. With N <= K
// everyone hears of everyone, as with the reference.
void announcer::send_chunk(std::vector<announced> const& chunk) {
    std::size_t n = table_.size();
    if (n == 0 || chunk.empty()) return;
    std::size_t start = std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    std::size_t told = 0;
    for (std::size_t visited = 0; visited < n && told < cfg_.max_peers_per_announce; ++visited) {
        peer& receiver = table_.at((start + visited) % n);
        std::string run;
        std::uint32_t count = 0;
        for (auto const& a : chunk) {
            if (a.seq <= receiver.join_seq) continue;
            ws::append_text_frame(
                run, *(a.local ? frame_for(receiver, a.local->order_index) : frame_for(receiver, a.peer_id)));
            ++count;
        }
        if (count == 0) continue;
        if (count == chunk.size()) ++told;  // older than the whole chunk
        out_.send_framed(receiver.link, make_frame(std::move(run)), count);
    }
}

void announcer::send_next_peers(peer& receiver) {
    std::size_t local = table_.size();
    std::size_t total = local + remote_.size();
    std::size_t visited = 0;
    std::string run;
    run.reserve(std::min(total, cfg_.max_peers_per_announce) * 160);  // a ws-peer frame, usually
    std::uint32_t count = 0;
    while (count < cfg_.max_peers_per_announce && visited < total) {
        std::size_t i = (receiver.rotation_cursor + visited) % total;
        ++visited;
        if (i >= local) ws::append_text_frame(run, *frame_for(receiver, remote_.key_at(i - local)));
        else if (peer& other = table_.at(i); &other != &receiver) ws::append_text_frame(run, *frame_for(receiver, i));
        else continue;
        ++count;
    }
    if (total > 0) receiver.rotation_cursor = (receiver.rotation_cursor + visited) % total;
    if (count > 0) out_.send_framed(receiver.link, make_frame(std::move(run)), count);
}

frame_ptr const& announcer::frame_for(peer& receiver, std::size_t local_index) {
    auto const& cls = prefix_class(receiver);
    auto& cached = table_.frame_at(local_index);  // not through the peer: its node is a cache miss
    if (cached.prefix != cls) cached = {cls, build(receiver, table_.at(local_index).address.peer_id)};
    return cached.frame;
}

frame_ptr const& announcer::frame_for(peer& receiver, std::string_view remote_id) {
    auto const& cls = prefix_class(receiver);
    auto it = remote_frames_.find(remote_id);
    if (it != remote_frames_.end()) {
        if (it->second.prefix != cls) it->second = {cls, build(receiver, remote_id)};
        return it->second.frame;
    }
    if (remote_frames_.size() >= 2 * remote_.size() + 1024) remote_frames_.clear();
    return remote_frames_.emplace(std::string(remote_id), announce_frame{cls, build(receiver, remote_id)})
        .first->second.frame;
}

frame_ptr announcer::build(peer const& receiver, std::string_view peer_id) {
    ++frames_built_;
    return make_frame(protocol::ws_peer_frame(protocol::address_for(receiver.address, peer_id)));
}

std::shared_ptr<std::string const> const& announcer::prefix_class(peer& receiver) {
    if (receiver.prefix_class) return receiver.prefix_class;
    // The receiver's prefix including its /p2p/ or /ipfs/ style: the part the frame depends on.
    auto const& own = receiver.address;
    std::string_view prefix(own.text.data(), own.text.size() - own.peer_id.size());
    auto it = prefixes_.find(prefix);
    if (it != prefixes_.end()) receiver.prefix_class = it->second.lock();
    if (!receiver.prefix_class) {
        receiver.prefix_class = std::make_shared<std::string const>(prefix);
        if (it != prefixes_.end()) it->second = receiver.prefix_class;
        else prefixes_.emplace(std::string(prefix), receiver.prefix_class);
    }
    if (prefixes_.size() > sweep_prefixes_at_) {
        std::erase_if(prefixes_, [](auto const& kv) { return kv.second.expired(); });
        sweep_prefixes_at_ = 2 * prefixes_.size() + 1024;
    }
    return receiver.prefix_class;
}

}  // namespace star::server
