#include "client.hpp"

#include <charconv>

#include "../common/json_scan.hpp"
#include "../common/socket_io.hpp"
#include "shard.hpp"

namespace webrtc_star::bench {

using boost::system::error_code;

namespace {

// "pingInterval":25000 in an Engine.IO open packet, in microseconds.
std::uint64_t ping_interval_us(std::string_view open, std::uint64_t fallback) {
    constexpr std::string_view key = "\"pingInterval\":";
    auto at = open.find(key);
    if (at == std::string_view::npos) return fallback;
    std::uint64_t ms = 0;
    auto begin = open.data() + at + key.size();
    auto ec = std::from_chars(begin, open.data() + open.size(), ms).ec;
    return ec == std::errc() && ms > 0 ? ms * 1000 : fallback;
}

}  // namespace

client::client(shard& owner, std::uint64_t index, bool joins)
    : shard_(owner),
      socket_(owner.context()),
      index_(index),
      joins_(joins),
      eio_(static_cast<std::uint8_t>(owner.ctx().cfg.eio_of(index))) {}

std::string_view client::self_addr() const {
    return joins_ ? std::string_view(shard_.ctx().joined_addrs[index_]) : std::string_view();
}

void client::on_data(std::string_view bytes) {
    // Usually whole frames: parse straight from `bytes`; keep a partial one.
    std::string_view rest = bytes;
    if (!in_.empty()) {
        in_.append(bytes);
        rest = in_;
    }
    ws_wire::reader::message m;
    for (;;) {
        auto r = reader_.next(rest, m);
        if (r == ws_wire::reader::result::need_more) break;
        if (r == ws_wire::reader::result::error) return fail(error_kind::read_failed);
        on_message(m);
        if (state_ == state::closed) return;
    }
    if (rest.empty()) std::string().swap(in_);
    else if (in_.empty()) in_.assign(rest);
    else in_.erase(0, in_.size() - rest.size());
}

void client::on_message(ws_wire::reader::message const& m) {
    switch (m.op) {
        case ws_wire::opcode::text:
        case ws_wire::opcode::binary:
            return on_frame(m.payload);
        case ws_wire::opcode::ping:
            // Not a frame of ours: neither counted nor limited, as Beast's automatic pong was not.
            return ws_wire::append_frame(out_, ws_wire::opcode::pong, m.payload, mask_);
        case ws_wire::opcode::close:
            // Echo the close as courtesy; best effort, the socket closes right after.
            ws_wire::append_frame(out_, ws_wire::opcode::close, m.payload.substr(0, 2), mask_);
            if (!write_waiting_) {
                error_code ignored;
                write_some(ignored);
            }
            return fail(error_kind::closed_by_server);
        default:
            return;
    }
}

void client::on_frame(std::string_view f) {
    auto& stats = shard_.stats();
    stats.add(counter::frames_received);
    switch (sio::classify(f)) {
        case sio::packet_kind::eio_ping:
            stats.add(counter::pings_answered);
            send("3");
            return;
        case sio::packet_kind::eio_open:
            return on_open(f);
        case sio::packet_kind::sio_connect:
            if (state_ == state::connecting_ns) become_ready();
            return;
        case sio::packet_kind::sio_event: {
            sio::event ev;
            if (!sio::parse_event(f, ev)) return stats.add(error_kind::protocol);
            return on_event(ev);
        }
        case sio::packet_kind::sio_error:
            shard_.note_connect_error("Socket.IO connect error: " + std::string(f.substr(0, 200)));
            return fail(error_kind::sio_connect_error);
        case sio::packet_kind::eio_close:
        case sio::packet_kind::sio_disconnect:
            return fail(error_kind::closed_by_server);
        default:
            return;
    }
}

void client::on_open(std::string_view frame) {
    if (state_ != state::opening) return;
    state_ = state::connecting_ns;
    if (eio_ == 4) return (void)send("40");
    // Engine.IO 3: the server connects the default namespace by itself, and
    // the client sends the pings.
    ping_interval_us_ = ping_interval_us(frame, ping_interval_us_);
    last_ping_us_ = shard_.ctx().now_us();
}

void client::become_ready() {
    auto& stats = shard_.stats();
    stats.connect_done(shard_.ctx().now_us() - started_us_);
    stats.add(counter::sio_connected);
    if (eio_ == 3) stats.add(counter::eio3_connected);
    state_ = state::ready;
    if (!shard_.ctx().cfg.defers_join()) join_now();
    shard_.on_client_ready(*this);
}

void client::join_now() {
    if (state_ != state::ready || !joins_ || joined_) return;
    joined_ = true;
    send(message_factory::join(self_addr()));
    shard_.stats().add(counter::joins_sent);
    flush();
}

void client::on_event(sio::event const& ev) {
    if (ev.name == "ws-handshake") return on_handshake(ev.payload);
    if (ev.name == "ws-peer") return shard_.stats().add(counter::ws_peer_received);
}

void client::on_handshake(std::string_view payload) {
    auto& stats = shard_.stats();
    auto intent = scan::string_field(payload, "intentId").value_or("");
    auto type = scan::string_field(payload, "type").value_or("");
    if (scan::has_field(payload, "err")) return on_answer(intent, true);
    bool answer = scan::bool_field(payload, "answer").value_or(false);
    if (type == "candidate") return stats.add(counter::candidates_received);
    if (answer && type == "answer") return on_answer(intent, false);
    if (!answer && type == "offer") return on_offer(payload, intent);
    stats.add(error_kind::protocol);
}

void client::on_offer(std::string_view payload, std::string_view intent) {
    auto& stats = shard_.stats();
    stats.add(counter::offers_received);
    auto dialer = scan::string_field(payload, "srcMultiaddr");
    if (!dialer || !joins_) return stats.add(error_kind::protocol);
    auto const& msgs = shard_.ctx().messages;
    send(msgs.answer(intent, *dialer, self_addr()));
    stats.add(counter::answers_sent);
    for (std::size_t i = 0; i < shard_.ctx().cfg.candidates; ++i)
        send(msgs.candidate(intent, *dialer, self_addr(), true));
    stats.add(counter::candidates_sent, shard_.ctx().cfg.candidates);
}

void client::on_answer(std::string_view intent, bool not_available) {
    // Our intent ids are "<dialer index>-<seq>".
    auto dash = intent.rfind('-');
    std::uint32_t seq = 0;
    if (dash != std::string_view::npos) std::from_chars(intent.data() + dash + 1, intent.data() + intent.size(), seq);
    auto& stats = shard_.stats();
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (it->seq != seq) continue;
        if (not_available) {
            stats.add(error_kind::peer_not_available);
            if (it->cross) stats.add(counter::cross_not_available);
        } else {
            auto us = shard_.ctx().now_us() - it->sent_us;
            stats.handshake_done(us);
            stats.add(counter::answers_received);
            if (it->cross) {
                stats.cross_handshake_done(us);
                stats.add(counter::cross_answers_received);
            }
        }
        *it = pending_.back();
        pending_.pop_back();
        return;
    }
    shard_.stats().add(counter::late_answers);
}

void client::dial(std::uint64_t dst_index) {
    if (state_ != state::ready || !joins_) return;
    auto const& ctx = shard_.ctx();
    auto seq = next_seq_++;
    char intent[48];
    auto end = std::to_chars(intent, intent + 24, index_).ptr;
    *end++ = '-';
    end = std::to_chars(end, intent + sizeof intent, seq).ptr;
    std::string_view id(intent, static_cast<std::size_t>(end - intent));
    auto const& dst = ctx.joined_addrs[dst_index];
    if (!send(ctx.messages.offer(id, self_addr(), dst))) return;
    bool cross = ctx.cfg.server_of(dst_index) != ctx.cfg.server_of(index_);
    pending_.push_back({seq, ctx.now_us(), cross});
    shard_.stats().add(counter::offers_sent);
    if (cross) shard_.stats().add(counter::cross_offers_sent);
    for (std::size_t i = 0; i < ctx.cfg.candidates; ++i) send(ctx.messages.candidate(id, self_addr(), dst, false));
    shard_.stats().add(counter::candidates_sent, ctx.cfg.candidates);
    flush();  // the offer and its candidates in one send()
}

void client::sweep(std::uint64_t now_us) {
    auto const& cfg = shard_.ctx().cfg;
    if (connecting() && now_us - started_us_ > cfg.connect_timeout_s * 1e6) {
        shard_.note_connect_error("timed out");
        return fail(error_kind::connect_timeout);
    }
    if (eio_ == 3 && state_ >= state::connecting_ns && state_ != state::closed &&
        now_us - last_ping_us_ >= ping_interval_us_) {
        last_ping_us_ = now_us;
        send("2");
        flush();
    }
    auto limit = static_cast<std::uint64_t>(cfg.handshake_timeout_s * 1e6);
    for (std::size_t i = 0; i < pending_.size();) {
        if (now_us - pending_[i].sent_us > limit) {
            shard_.stats().add(error_kind::handshake_timeout);
            pending_[i] = pending_.back();
            pending_.pop_back();
        } else {
            ++i;
        }
    }
}

void client::abandon_pending() {
    shard_.stats().add(error_kind::handshake_timeout, pending_.size());
    pending_.clear();
}

void client::fail(error_kind kind) {
    if (state_ == state::closed) return;
    auto& stats = shard_.stats();
    stats.add(kind);
    stats.add(state_ == state::ready ? counter::clients_dropped : counter::clients_failed);
    // Outstanding handshakes of a dead client are lost, not pending forever.
    abandon_pending();
    close();
}

}  // namespace webrtc_star::bench
