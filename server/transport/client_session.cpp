// I/O half of client_session: the WebSocket, the write queue, timers and closing.
// The protocol half is in client_session_protocol.cpp.
#include "transport/client_session.hpp"

#include "logger.hpp"
#include "random_id.hpp"
#include "transport/normal_close.hpp"
#include "transport/polling_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/ssl.hpp>

#include <sys/socket.h>
#include <cerrno>

namespace star::server {
namespace beast = boost::beast;
namespace ws = protocol::websocket;
namespace net = boost::asio;

namespace {

spdlog::logger& log() { return *logger_for("transport"); }

// Why a connection ended, at debug level, unless it ended normally.
void fail(std::uint64_t session, std::string_view what, beast::error_code ec) {
    if (!is_normal_close(ec) && log().should_log(spdlog::level::debug))
        log_with(log(), spdlog::level::debug,
                 {{log_key::connection, std::to_string(session)}, {log_key::reason, std::string(what)}},
                 "session {}: {}: {}", session, what, ec.message());
}

}  // namespace

template <class Stream>
client_session<Stream>::client_session(Stream&& stream, protocol::engineio::version version, server_context& ctx,
                                       socket_slot slot, ssl_context_ptr ssl_context, std::string early_bytes)
    : session_base(ctx.sessions.next_id()),
      stream_(std::move(stream)),
      ssl_context_(std::move(ssl_context)),
      reader_(ctx.cfg.max_message_size),
      early_bytes_(std::move(early_bytes)),
      version_(version),
      ctx_(ctx),
      slot_(std::move(slot)),
      protocol_(version, random_id(), ctx.cfg, ctx.stats, *this),
      heartbeat_timer_(stream_.get_executor()),
      budget_(ctx.budget) {}

template <class Stream> void client_session<Stream>::run(request const& req) {
    beast::get_lowest_layer(stream_).expires_never();
    beast::error_code ignored;
    socket().non_blocking(true, ignored);
    auto response = std::make_shared<std::string>(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
        ws::accept_key(req[beast::http::field::sec_websocket_key]) + "\r\nServer: webrtc-star-server\r\n\r\n");
    net::async_write(
        stream_, net::buffer(*response),
        [self = this->shared_from_this(), response](beast::error_code ec, std::size_t) { self->on_upgraded(ec); });
}

template <class Stream> void client_session<Stream>::on_upgraded(beast::error_code ec) {
    if (ec) {
        fail(id(), "upgrade response", ec);
        return;  // never registered: nothing to undo
    }
    if (owner_) {
        // Carrier mode: the polling session owns the Engine.IO state, the heartbeats and the
        // registration; this connection only moves packets.
        if (!early_bytes_.empty()) on_bytes(std::exchange(early_bytes_, {}));
        return do_read();
    }
    ctx_.sessions.add(id(), this->weak_from_this());
    ctx_.stats.connections.fetch_add(1, std::memory_order_relaxed);
    inc(ctx_.stats.connections_total);
    pings_.reset(ctx_.cfg.max_pings_per_second);
    protocol_.open(std::chrono::steady_clock::now(), false);
    arm_protocol_timer();
    if (!early_bytes_.empty()) on_bytes(std::exchange(early_bytes_, {}));
    do_read();
}

// Plain TCP: wait until readable, then read into this thread's buffer, so that an idle
// connection holds no read buffer at all. TLS keeps a small buffer of its own.
template <class Stream> void client_session<Stream>::do_read() {
    if constexpr (is_tls_v<Stream>) {
        if (!tls_buffer_) tls_buffer_ = std::make_unique<std::array<char, 4096>>();
        stream_.async_read_some(net::buffer(*tls_buffer_),
                                beast::bind_front_handler(&client_session::on_tls_read, this->shared_from_this()));
    } else {
        socket().async_wait(net::socket_base::wait_read,
                            beast::bind_front_handler(&client_session::on_readable, this->shared_from_this()));
    }
}

template <class Stream> void client_session<Stream>::on_readable(beast::error_code ec) {
    if (ec) return finish();
    thread_local std::array<char, 64 * 1024> buffer;
    for (int round = 0; round < 4 && !finished_; ++round) {  // then let other connections have a turn
        std::size_t n = socket().read_some(net::buffer(buffer), ec);
        if (ec == net::error::would_block || ec == net::error::try_again) break;
        if (ec) {
            fail(id(), "read", ec);
            return finish();
        }
        on_bytes(std::string_view(buffer.data(), n));
        if (n < buffer.size()) break;
    }
    if (!finished_) do_read();
}

template <class Stream> void client_session<Stream>::on_tls_read(beast::error_code ec, std::size_t n) {
    if (ec) {
        fail(id(), "read", ec);
        return finish();
    }
    on_bytes(std::string_view(tls_buffer_->data(), n));
    if (!finished_) do_read();
}

template <class Stream> void client_session<Stream>::on_bytes(std::string_view bytes) {
    bytes_received_ += bytes.size();
    if (closing_) return;  // after our close frame, only the peer's close matters: EOF ends it
    reader_.feed(bytes);
    using kind = ws::reader::kind;
    // A message arrived whole. Control frames do not count: they may come between the fragments
    // of a message, and must not extend its deadline.
    bool completed = false;
    while (!closing_) {
        auto e = reader_.next();
        completed = completed || e.type == kind::text || e.type == kind::binary;
        switch (e.type) {
            case kind::none:
                reader_.release_idle();
                watch_receive_deadline(completed);
                account();
                return;
            case kind::text:
                inc(ctx_.stats.frames_received);
                on_alive();
                if (owner_) {
                    owner_->carried_packet(this, std::string(e.payload), false);
                } else {
                    protocol_.on_packet(e.payload, std::chrono::steady_clock::now());
                    arm_protocol_timer();
                }
                break;
            case kind::binary:
                inc(ctx_.stats.frames_received);
                on_alive();
                if (owner_) {
                    owner_->carried_packet(this, {}, true);
                } else {
                    protocol_.on_binary();  // socket.io refuses binary it was not told to expect
                }
                break;
            case kind::ping:
                on_alive();
                if (within_ping_limit()) enqueue(make_frame(std::string(e.payload)), {}, ws_opcode::pong);
                break;
            case kind::pong:
                on_alive();
                break;
            case kind::close:
                peer_closed_ = true;
                send_close(ws::close_code::normal);
                return;
            case kind::error:
                log().debug("session {}: WebSocket protocol error, closing with {}", id(), e.code);
                if (e.code == ws::close_code::too_big) ctx_.stats.dropped.inc("too_big");
                send_close(e.code);
                return;
        }
    }
}

template <class Stream> void client_session<Stream>::enqueue(frame_ptr frame, steady_time received, ws_opcode op) {
    if (closing_ || finished_) return;
    std::size_t size = frame ? frame->size() : 0;
    if (queued_bytes_ + size > ctx_.cfg.max_queued_bytes) {
        // A client that does not read is cut off rather than buffered for without bound.
        inc(ctx_.stats.slow_consumers);
        ctx_.stats.dropped.inc("queue_full");
        close_now("send queue full");
        return;
    }
    queued_bytes_ += size;
    queue_.push_back({std::move(frame), received, op});
    account();
    schedule_flush();
}

// Writing starts on the loop's next turn, not at once: frames queued by the handlers that run
// before it (a batch of announcements, handshakes from several peers) leave in one write.
template <class Stream> void client_session<Stream>::schedule_flush() {
    if (writing_ || flush_scheduled_) return;
    flush_scheduled_ = true;
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
        self->flush_scheduled_ = false;
        if (!self->writing_ && !self->queue_.empty() && !self->finished_) self->do_write();
    });
}

// Everything queued goes out together, many frames to a write: a burst of announcements or
// forwarded handshakes costs one syscall, not one per message.
template <class Stream> void client_session<Stream>::do_write() {
    writing_ = true;
    in_flight_ = prepare_write();
    if constexpr (is_tls_v<Stream>) {
        net::async_write(stream_, write_buffers_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    } else {
        write_plain();
    }
}

template <class Stream> std::size_t client_session<Stream>::prepare_write() {
    std::size_t count = std::min(queue_.size(), max_frames_per_write);
    write_headers_.resize(count * ws::max_header_size);
    write_buffers_.clear();
    write_buffers_done_ = 0;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
        auto const& q = queue_[i];
        std::size_t size = q.frame ? q.frame->size() : 0;
        if (i > 0 && bytes + size > max_bytes_per_write) return i;
        auto* header = reinterpret_cast<std::uint8_t*>(write_headers_.data()) + i * ws::max_header_size;
        write_buffers_.push_back(net::buffer(header, ws::encode_header(q.op, size, header)));
        if (size) write_buffers_.push_back(net::buffer(*q.frame));
        bytes += size;
    }
    return count;
}

// Asio's composed write would split this into sendmsg calls of 16 buffers (8 frames); one
// sendmsg takes them all. Writes that complete at once (the usual case) never touch the
// reactor; the loop goes on while the queue has more, instead of recursing.
template <class Stream> void client_session<Stream>::write_plain() {
    for (;;) {
        std::array<iovec, 2 * max_frames_per_write> iov;
        std::size_t n_iov = 0;
        std::size_t bytes = 0;
        for (std::size_t i = write_buffers_done_; i < write_buffers_.size(); ++i) {
            iov[n_iov++] = {const_cast<void*>(write_buffers_[i].data()), write_buffers_[i].size()};
            bytes += write_buffers_[i].size();
        }
        if (n_iov > 2 && bytes <= max_flattened_bytes) {
            // Many small pieces (a refresh: 50 headers and 50 announcements) are cheaper for the
            // kernel as one: copying 6 KB here costs less than walking 100 iovecs there.
            thread_local std::string flat;
            flat.clear();
            for (std::size_t i = 0; i < n_iov; ++i)
                flat.append(static_cast<char const*>(iov[i].iov_base), iov[i].iov_len);
            iov[0] = {flat.data(), flat.size()};
            n_iov = 1;
        }
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = n_iov;
        ssize_t sent = ::sendmsg(socket().native_handle(), &msg, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return on_write(beast::error_code(errno, boost::system::system_category()));
        auto left = static_cast<std::size_t>(std::max<ssize_t>(sent, 0));
        while (write_buffers_done_ < write_buffers_.size() && left >= write_buffers_[write_buffers_done_].size())
            left -= write_buffers_[write_buffers_done_++].size();
        if (write_buffers_done_ < write_buffers_.size()) {
            // The socket's buffer is full: send the rest when it drains.
            write_buffers_[write_buffers_done_] += left;
            write_blocked_ = true;
            socket().async_wait(net::socket_base::wait_write, [self = this->shared_from_this()](beast::error_code ec) {
                self->write_blocked_ = false;
                if (ec) return self->on_write(ec);
                ++self->backlog_drains_;  // the client read some of its backlog: it is alive
                self->write_plain();
            });
            return;
        }
        if (!complete_write() || queue_.empty()) {
            writing_ = false;
            return;
        }
        in_flight_ = prepare_write();
    }
}

template <class Stream> void client_session<Stream>::on_write(beast::error_code ec) {
    if (ec) {
        writing_ = false;
        fail(id(), "write", ec);
        close_now("write failed");
        return;
    }
    if constexpr (is_tls_v<Stream>) {
        writing_ = false;
        ++backlog_drains_;
        if (complete_write() && !queue_.empty()) do_write();
    }
}

template <class Stream> bool client_session<Stream>::complete_write() {
    bool close_written = false;
    auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < in_flight_; ++i) {
        queued const& done = queue_.front();
        if (done.op == ws_opcode::close) close_written = true;
        if (done.op == ws_opcode::text) inc(ctx_.stats.frames_sent);
        if (done.frame) queued_bytes_ -= done.frame->size();
        if (done.received != steady_time{}) ctx_.stats.forward_latency.observe(now - done.received);
        queue_.pop_front();
    }
    in_flight_ = 0;
    account();
    if (write_buffers_.capacity() > 32) std::vector<net::const_buffer>().swap(write_buffers_);
    if (write_headers_.capacity() > 160) std::string().swap(write_headers_);
    if (close_written) {
        on_close_written();
        return false;
    }
    return !finished_;
}

template <class Stream> void client_session<Stream>::close_going_away() {
    net::dispatch(stream_.get_executor(),
                  [self = this->shared_from_this()] { self->send_close(ws::close_code::going_away); });
}

// The closing handshake: our close frame goes after the frame being written (anything not yet
// started is dropped), then we wait, at most the handshake timeout, for the client's.
template <class Stream> void client_session<Stream>::send_close(std::uint16_t code) {
    if (close_sent_ || finished_) return;
    close_sent_ = true;
    closing_ = true;
    while (queue_.size() > in_flight_) {
        if (queue_.back().frame) queued_bytes_ -= queue_.back().frame->size();
        queue_.pop_back();
    }
    account();
    queue_.push_back({make_frame(ws::close_payload(code)), {}, ws_opcode::close});
    schedule_flush();
}

template <class Stream> void client_session<Stream>::on_close_written() {
    if (peer_closed_) return close_now("closed");
    if constexpr (!is_tls_v<Stream>) {
        beast::error_code ignored;
        socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    }
    heartbeat_timer_.expires_after(ctx_.cfg.handshake_timeout);
    heartbeat_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->close_now("no close frame from the client in time");
    });
}

template <class Stream> void client_session<Stream>::drop(std::string_view why) {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), why = std::string(why)] { self->close_now(why); });
}

template <class Stream> void client_session<Stream>::close_now(std::string_view why) {
    if (finished_) return;
    if (log().should_log(spdlog::level::debug)) {
        beast::error_code ec;
        auto client = socket().remote_endpoint(ec);
        log_with(log(), spdlog::level::debug,
                 {{log_key::connection, std::to_string(id())},
                  {log_key::client,
                   ec ? std::string("unknown") : client.address().to_string() + ":" + std::to_string(client.port())},
                  {log_key::reason, std::string(why)}},
                 "session {}: closing: {}", id(), why);
    }
    closing_ = true;
    beast::error_code ignored;
    socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);  // the pending read fails, and finish() runs from there
}

template <class Stream> void client_session<Stream>::finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    heartbeat_timer_.cancel();
    if (receive_timer_) receive_timer_->cancel();
    finish_probe(false);
    if (owner_) {
        std::exchange(owner_, nullptr)->carrier_closed(this);
        beast::error_code ignored;
        socket().close(ignored);
        return;
    }
    ctx_.sessions.remove(id());
    ctx_.stats.connections.fetch_sub(1, std::memory_order_relaxed);
    ctx_.hub.disconnected(this->shared_from_this());
    beast::error_code ignored;
    socket().close(ignored);
}

// One timer serves all of session_protocol's deadlines (heartbeat, CONNECT); it is re-armed
// only when the next deadline moves (a pong, an Engine.IO 3 ping), not on every message.
template <class Stream> void client_session<Stream>::arm_protocol_timer() {
    if (closing_ || finished_) return;
    auto at = protocol_.next_deadline();
    if (at == heartbeat_timer_at_) return;
    heartbeat_timer_at_ = at;
    if (at == steady_time::max()) return static_cast<void>(heartbeat_timer_.cancel());
    heartbeat_timer_.expires_at(at);
    heartbeat_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->closing_ || self->finished_) return;
        self->heartbeat_timer_at_ = steady_time::max();
        self->protocol_.on_timer(std::chrono::steady_clock::now());
        self->arm_protocol_timer();
    });
}

template class client_session<plain_stream>;
template class client_session<tls_stream>;

}  // namespace star::server
