// The bytes side of client: connect, TLS, the WebSocket upgrade, reads and
// writes on the non-blocking socket (through OpenSSL for wss://), close.
// The Engine.IO / Socket.IO side is in client.cpp.

#include "client.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include "shard.hpp"

namespace webrtc_star::bench {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

// Per-thread splitmix64 for WebSocket keys and masks: cheap, and all a load
// generator needs (see ws_wire::append_frame).
std::uint64_t random64() {
    thread_local std::uint64_t state = (std::uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
    std::uint64_t z = (state += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

constexpr int read_rounds = 4;       // reads per wake-up before other clients get a turn
constexpr int tls_read_rounds = 16;  // a TLS read returns one record (16 KiB) at most

}  // namespace

void client::start() {
    auto const& ctx = shard_.ctx();
    state_ = state::connecting;
    started_us_ = ctx.now_us();
    shard_.stats().add(counter::connects_started);
    error_code ec;
    auto const& server = ctx.endpoint_of(index_);
    socket_.open(server.protocol(), ec);
    if (!ec && !ctx.sources.empty()) {
#ifdef IP_BIND_ADDRESS_NO_PORT
        // Pick the source port at connect time, per 4-tuple, not per bind.
        int one = 1;
        ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
        socket_.bind({ctx.sources[index_ % ctx.sources.size()], 0}, ec);
    }
    if (!ec) socket_.set_option(net::ip::tcp::no_delay(true), ec);
    if (!ec) socket_.non_blocking(true, ec);  // read_some and ::send must not block the shard
    if (ec) {
        shard_.note_connect_error(ec.message());
        return fail(error_kind::connect_failed);
    }
    socket_.async_connect(server, [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
}

void client::on_connect(error_code ec) {
    if (state_ == state::closed) return;
    if (ec) {
        shard_.note_connect_error(ec.message());
        return fail(ec == net::error::connection_refused ? error_kind::connect_refused : error_kind::connect_failed);
    }
    auto const& ctx = shard_.ctx();
    auto const& target = ctx.cfg.target_of(index_);
    if (!target.tls) return send_upgrade();
    // The TLS handshake is bounded by sweep() too, and timed on its own.
    tcp_done_us_ = ctx.now_us();
    state_ = state::tls_handshaking;
    try {
        tls_ = std::make_unique<tls_session>(*ctx.tls, socket_.native_handle(), target.host);
    } catch (std::exception const& e) {
        shard_.note_connect_error(e.what());
        return fail(error_kind::tls_failed);
    }
    do_tls_handshake();
}

void client::do_tls_handshake() {
    auto s = tls_->handshake();
    if (s == tls_session::status::done) {
        shard_.stats().tls_done(shard_.ctx().now_us() - tcp_done_us_);
        shard_.stats().add(counter::tls_handshakes);
        return send_upgrade();
    }
    if (s == tls_session::status::want_read || s == tls_session::status::want_write) {
        auto wait = s == tls_session::status::want_read ? net::socket_base::wait_read : net::socket_base::wait_write;
        return socket_.async_wait(wait, [self = shared_from_this()](error_code ec) {
            if (self->state_ == state::closed) return;
            if (ec) {
                self->shard_.note_connect_error("TLS handshake: " + ec.message());
                return self->fail(error_kind::tls_failed);
            }
            self->do_tls_handshake();
        });
    }
    auto const& t = shard_.ctx().cfg.target_of(index_);
    shard_.note_connect_error("TLS handshake with " + t.host_header() + " failed: " + tls_->error());
    fail(error_kind::tls_failed);
}

void client::send_upgrade() {
    // The upgrade is bounded by sweep(), like the connect: upgrading counts as connecting().
    state_ = state::upgrading;
    auto const& ctx = shard_.ctx();
    auto key = ws_wire::make_key(random64(), random64());
    std::memcpy(key_.data(), key.data(), key_.size());
    mask_ = static_cast<std::uint32_t>(random64());
    ws_wire::append_upgrade_request(out_, ctx.host_headers[ctx.cfg.server_of(index_)], ctx.request_target_of(index_),
                                    key);
    flush();
    if (state_ != state::closed) do_read();
}

void client::upgrade_failed(std::string const& why) {
    shard_.note_connect_error("WebSocket upgrade: " + why);
    fail(error_kind::ws_handshake_failed);
}

void client::on_upgrade_bytes(std::string_view bytes) {
    in_.append(bytes);
    auto r = ws_wire::check_upgrade_response(in_, std::string_view(key_.data(), key_.size()));
    if (r.status == ws_wire::upgrade_status::need_more) return;
    if (r.status == ws_wire::upgrade_status::error) return upgrade_failed(r.error);
    state_ = state::opening;
    shard_.stats().add(counter::ws_open);
    // Bytes still unsent (there should be none) are the request, not frames to count.
    out_counted_ = out_.size();
    // The server's first frames often come in the same read as its response.
    in_.erase(0, r.header_size);
    on_data({});
}

void client::do_read() {
    socket_.async_wait(net::socket_base::wait_read,
                       [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

// Read into this thread's buffer and parse there: an idle client holds no
// read buffer, and frames that arrive whole are never copied.
void client::on_readable(error_code ec) {
    if (state_ == state::closed) return;
    if (ec) return on_read_error(ec);
    thread_local std::array<char, 64 * 1024> buffer;
    int rounds = tls_ ? tls_read_rounds : read_rounds;
    for (int round = 0; round < rounds; ++round) {
        std::size_t n = read_some(buffer.data(), buffer.size(), ec);
        if (ec == net::error::would_block || ec == net::error::try_again) break;
        if (ec) return on_read_error(ec);
        std::string_view bytes(buffer.data(), n);
        if (state_ == state::upgrading) on_upgrade_bytes(bytes);
        else on_data(bytes);
        // Replies to everything in this read leave together, in one send().
        flush();
        if (state_ == state::closed) {
            std::string().swap(in_);
            return;
        }
        if (n < buffer.size() && !tls_) break;
    }
    // Bytes OpenSSL already took off the socket will not wake the reactor.
    if (tls_ && tls_->has_pending())
        return net::post(socket_.get_executor(), [self = shared_from_this()] { self->on_readable({}); });
    do_read();
}

std::size_t client::read_some(char* buffer, std::size_t capacity, error_code& ec) {
    if (!tls_) return socket_.read_some(net::buffer(buffer, capacity), ec);
    std::size_t n = 0;
    switch (tls_->read(buffer, capacity, n)) {
        case tls_session::status::done:
            ec = {};
            break;
        case tls_session::status::want_read:
        case tls_session::status::want_write:
            ec = net::error::would_block;
            break;
        case tls_session::status::closed:
            ec = net::error::eof;
            break;
        case tls_session::status::failed:
            ec = net::error::connection_aborted;
            break;
    }
    return n;
}

std::size_t client::write_some(error_code& ec) {
    auto const* data = out_.data() + out_sent_;
    auto size = out_.size() - out_sent_;
    ec = {};
    if (tls_) {
        std::size_t n = 0;
        switch (tls_->write(data, size, n)) {
            case tls_session::status::done:
                return n;
            case tls_session::status::want_read:  // renegotiation: TLS 1.3 has none; wait as for a write
            case tls_session::status::want_write:
                ec = net::error::would_block;
                return 0;
            default:
                ec = net::error::broken_pipe;
                return 0;
        }
    }
    for (;;) {
        auto n = ::send(socket_.native_handle(), data, size, MSG_NOSIGNAL);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) {
            ec = error_code(errno, boost::system::system_category());
            return 0;
        }
    }
}

void client::on_read_error(error_code ec) {
    if (state_ == state::upgrading) return upgrade_failed(ec.message());
    bool by_server = ec == net::error::eof || ec == net::error::connection_reset;
    fail(by_server ? error_kind::closed_by_server : error_kind::read_failed);
}

bool client::send(std::string_view payload) {
    if (state_ == state::closed) return false;
    auto limit = shard_.ctx().cfg.send_queue_limit;
    if (unsent_frames_ >= limit) {
        // Frames batched for the end of this handler may leave at once.
        flush();
        if (state_ == state::closed) return false;
        if (unsent_frames_ >= limit) {
            shard_.stats().add(error_kind::send_queue_full);
            return false;
        }
    }
    ws_wire::append_frame(out_, ws_wire::opcode::text, payload, mask_);
    ++unsent_frames_;
    return true;
}

// A direct non-blocking send of everything queued: no reactor round trip
// unless the socket's buffer is full.
void client::flush() {
    if (write_waiting_ || state_ == state::closed) return;
    while (out_sent_ < out_.size()) {
        error_code ec;
        auto n = write_some(ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            write_waiting_ = true;
            socket_.async_wait(net::socket_base::wait_write, [self = shared_from_this()](error_code ec) {
                self->write_waiting_ = false;
                if (self->state_ == state::closed) return;
                if (ec) return self->on_write_error(ec);
                self->flush();
            });
            break;
        }
        if (ec) return on_write_error(ec);
        out_sent_ += n;
    }
    on_written();
}

// frames_sent counts text frames once written whole, as it did with Beast.
void client::on_written() {
    if (out_sent_ == out_.size()) {
        shard_.stats().add(counter::frames_sent, unsent_frames_);
        unsent_frames_ = 0;
        out_.clear();
        out_sent_ = out_counted_ = 0;
        if (out_.capacity() > 16 * 1024) std::string().swap(out_);  // a burst is over; an idle client keeps little
        return;
    }
    // Partly written (the socket is full): count the frames that did go.
    while (unsent_frames_ > 0 && out_counted_ < out_sent_) {
        auto size = ws_wire::masked_frame_size(std::string_view(out_).substr(out_counted_));
        if (size == 0 || out_counted_ + size > out_sent_) break;
        if ((static_cast<unsigned char>(out_[out_counted_]) & 0x0F) ==
            static_cast<unsigned char>(ws_wire::opcode::text)) {
            shard_.stats().add(counter::frames_sent);
            --unsent_frames_;
        }
        out_counted_ += size;
    }
    if (out_counted_ > 64 * 1024 && out_counted_ > out_.size() / 2 && out_counted_ <= out_sent_) {
        out_.erase(0, out_counted_);
        out_sent_ -= out_counted_;
        out_counted_ = 0;
    }
}

void client::on_write_error(error_code ec) {
    if (state_ == state::upgrading) return upgrade_failed(ec.message());
    fail(error_kind::write_failed);
}

void client::close() {
    if (state_ == state::closed) return;
    state_ = state::closed;
    // No write holds a pointer into out_ (send() is synchronous), so it can go.
    // in_ may still be under the frame being handled; on_readable frees it.
    std::string().swap(out_);
    out_sent_ = out_counted_ = unsent_frames_ = 0;
    error_code ignored;
    socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

}  // namespace webrtc_star::bench