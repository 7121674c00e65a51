#include "client.hpp"

#include <charconv>

#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>

#include "../common/json_scan.hpp"
#include "../common/socket_io.hpp"
#include "shard.hpp"

namespace webrtc_star::bench {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;

client::client(shard& owner, std::uint64_t index, bool joins)
    : shard_(owner), ws_(owner.context()), index_(index), joins_(joins)
{
}

std::string_view client::self_addr() const
{
    return joins_ ? std::string_view(shard_.ctx().joined_addrs[index_]) : std::string_view();
}

void client::start()
{
    auto const& ctx = shard_.ctx();
    state_ = state::connecting;
    started_us_ = ctx.now_us();
    shard_.stats().add(counter::connects_started);
    auto& sock = ws_.next_layer();
    error_code ec;
    sock.open(ctx.server.protocol(), ec);
    if (!ec && !ctx.sources.empty()) {
#ifdef IP_BIND_ADDRESS_NO_PORT
        // Pick the source port at connect time, per 4-tuple, not per bind.
        int one = 1;
        ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
        sock.bind({ctx.sources[index_ % ctx.sources.size()], 0}, ec);
    }
    if (!ec)
        sock.set_option(net::ip::tcp::no_delay(true), ec);
    if (ec) {
        shard_.note_connect_error(ec.message());
        return fail(error_kind::connect_failed);
    }
    sock.async_connect(ctx.server, [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
}

void client::on_connect(error_code ec)
{
    if (state_ == state::closed)
        return;
    if (ec) {
        shard_.note_connect_error(ec.message());
        return fail(ec == net::error::connection_refused ? error_kind::connect_refused
                                                         : error_kind::connect_failed);
    }
    state_ = state::upgrading;
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.read_message_max(4 * 1024 * 1024);
    ws_.async_handshake(shard_.ctx().host_header, shard_.ctx().cfg.target,
                        [self = shared_from_this()](error_code ec) { self->on_upgrade(ec); });
}

void client::on_upgrade(error_code ec)
{
    if (state_ == state::closed)
        return;
    if (ec) {
        shard_.note_connect_error("WebSocket upgrade: " + ec.message());
        return fail(error_kind::ws_handshake_failed);
    }
    ws_.text(true);
    state_ = state::opening;
    shard_.stats().add(counter::ws_open);
    do_read();
}

void client::do_read()
{
    ws_.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t n) {
        self->on_read(ec, n);
    });
}

void client::on_read(error_code ec, std::size_t)
{
    if (state_ == state::closed)
        return;
    if (ec) {
        bool by_server = ec == websocket::error::closed || ec == net::error::eof ||
                         ec == net::error::connection_reset;
        return fail(by_server ? error_kind::closed_by_server : error_kind::read_failed);
    }
    auto data = buffer_.cdata();
    on_frame({static_cast<char const*>(data.data()), data.size()});
    buffer_.consume(buffer_.size());
    if (state_ != state::closed)
        do_read();
}

void client::on_frame(std::string_view f)
{
    auto& stats = shard_.stats();
    stats.add(counter::frames_received);
    switch (sio::classify(f)) {
    case sio::packet_kind::eio_ping:
        stats.add(counter::pings_answered);
        send("3");
        return;
    case sio::packet_kind::eio_open:
        if (state_ == state::opening) {
            state_ = state::connecting_ns;
            send("40");
        }
        return;
    case sio::packet_kind::sio_connect:
        if (state_ == state::connecting_ns)
            become_ready();
        return;
    case sio::packet_kind::sio_event: {
        sio::event ev;
        if (!sio::parse_event(f, ev))
            return stats.add(error_kind::protocol);
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

void client::become_ready()
{
    auto& stats = shard_.stats();
    stats.connect_done(shard_.ctx().now_us() - started_us_);
    stats.add(counter::sio_connected);
    state_ = state::ready;
    if (joins_) {
        send(message_factory::join(self_addr()));
        stats.add(counter::joins_sent);
    }
    shard_.on_client_ready(*this);
}

void client::on_event(sio::event const& ev)
{
    if (ev.name == "ws-handshake")
        return on_handshake(ev.payload);
    if (ev.name == "ws-peer")
        return shard_.stats().add(counter::ws_peer_received);
}

void client::on_handshake(std::string_view payload)
{
    auto& stats = shard_.stats();
    auto intent = scan::string_field(payload, "intentId").value_or("");
    auto type = scan::string_field(payload, "type").value_or("");
    if (scan::has_field(payload, "err"))
        return on_answer(intent, true);
    bool answer = scan::bool_field(payload, "answer").value_or(false);
    if (type == "candidate")
        return stats.add(counter::candidates_received);
    if (answer && type == "answer")
        return on_answer(intent, false);
    if (!answer && type == "offer")
        return on_offer(payload, intent);
    stats.add(error_kind::protocol);
}

void client::on_offer(std::string_view payload, std::string_view intent)
{
    auto& stats = shard_.stats();
    stats.add(counter::offers_received);
    auto dialer = scan::string_field(payload, "srcMultiaddr");
    if (!dialer || !joins_)
        return stats.add(error_kind::protocol);
    auto const& msgs = shard_.ctx().messages;
    send(msgs.answer(intent, *dialer, self_addr()));
    stats.add(counter::answers_sent);
    for (std::size_t i = 0; i < shard_.ctx().cfg.candidates; ++i)
        send(msgs.candidate(intent, *dialer, self_addr(), true));
    stats.add(counter::candidates_sent, shard_.ctx().cfg.candidates);
}

void client::on_answer(std::string_view intent, bool not_available)
{
    // Our intent ids are "<dialer index>-<seq>".
    auto dash = intent.rfind('-');
    std::uint32_t seq = 0;
    if (dash != std::string_view::npos)
        std::from_chars(intent.data() + dash + 1, intent.data() + intent.size(), seq);
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (it->seq != seq)
            continue;
        if (not_available)
            shard_.stats().add(error_kind::peer_not_available);
        else {
            shard_.stats().handshake_done(shard_.ctx().now_us() - it->sent_us);
            shard_.stats().add(counter::answers_received);
        }
        *it = pending_.back();
        pending_.pop_back();
        return;
    }
    shard_.stats().add(counter::late_answers);
}

void client::dial(std::uint64_t dst_index)
{
    if (state_ != state::ready || !joins_)
        return;
    auto const& ctx = shard_.ctx();
    auto seq = next_seq_++;
    char intent[48];
    auto end = std::to_chars(intent, intent + 24, index_).ptr;
    *end++ = '-';
    end = std::to_chars(end, intent + sizeof intent, seq).ptr;
    std::string_view id(intent, static_cast<std::size_t>(end - intent));
    auto const& dst = ctx.joined_addrs[dst_index];
    if (!send(ctx.messages.offer(id, self_addr(), dst)))
        return;
    pending_.push_back({seq, ctx.now_us()});
    shard_.stats().add(counter::offers_sent);
    for (std::size_t i = 0; i < ctx.cfg.candidates; ++i)
        send(ctx.messages.candidate(id, self_addr(), dst, false));
    shard_.stats().add(counter::candidates_sent, ctx.cfg.candidates);
}

void client::sweep(std::uint64_t now_us)
{
    auto const& cfg = shard_.ctx().cfg;
    if (connecting() && now_us - started_us_ > cfg.connect_timeout_s * 1e6) {
        shard_.note_connect_error("timed out");
        return fail(error_kind::connect_timeout);
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

void client::abandon_pending()
{
    shard_.stats().add(error_kind::handshake_timeout, pending_.size());
    pending_.clear();
}

bool client::send(std::string frame)
{
    if (queue_.size() >= shard_.ctx().cfg.send_queue_limit) {
        shard_.stats().add(error_kind::send_queue_full);
        return false;
    }
    queue_.push_back(std::move(frame));
    if (!writing_)
        do_write();
    return true;
}

void client::do_write()
{
    writing_ = true;
    ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](error_code ec, std::size_t n) {
        self->on_write(ec, n);
    });
}

void client::on_write(error_code ec, std::size_t)
{
    writing_ = false;
    if (state_ == state::closed)
        return;
    if (ec)
        return fail(error_kind::write_failed);
    shard_.stats().add(counter::frames_sent);
    queue_.pop_front();
    if (!queue_.empty())
        do_write();
}

void client::fail(error_kind kind)
{
    if (state_ == state::closed)
        return;
    auto& stats = shard_.stats();
    stats.add(kind);
    stats.add(state_ == state::ready ? counter::clients_dropped : counter::clients_failed);
    // Outstanding handshakes of a dead client are lost, not pending forever.
    abandon_pending();
    close();
}

void client::close()
{
    if (state_ == state::closed)
        return;
    state_ = state::closed;
    // The queue stays: a write in flight may still point into its front.
    error_code ignored;
    ws_.next_layer().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    ws_.next_layer().close(ignored);
}

} // namespace webrtc_star::bench
