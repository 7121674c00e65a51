// I/O of websocket_transport: the upgrade response, reading, the write queue and closing.
#include "transport/websocket_transport.hpp"

#include "logger.hpp"
#include "transport/engineio_session.hpp"
#include "transport/normal_close.hpp"

#include <boost/asio/bind_executor.hpp>
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

constexpr std::uint16_t policy_violation = 1008;

// Why a connection ended, at debug level, unless it ended normally.
void fail(std::uint64_t session, std::string_view what, beast::error_code ec) {
    if (!is_normal_close(ec) && log().should_log(spdlog::level::debug))
        log_with(log(), spdlog::level::debug,
                 {{log_key::connection, std::to_string(session)}, {log_key::reason, std::string(what)}},
                 "session {}: {}: {}", session, what, ec.message());
}

}  // namespace

template <class Stream>
websocket_transport<Stream>::websocket_transport(Stream&& stream, std::shared_ptr<engineio_session> session,
                                                 socket_slot slot, ssl_context_ptr ssl_context, std::string early_bytes)
    : stream_(std::move(stream)),
      session_(std::move(session)),
      ctx_(session_->context()),
      executor_(session_->executor()),
      slot_(std::move(slot)),
      ssl_context_(std::move(ssl_context)),
      reader_(ctx_.cfg.max_message_size),
      early_bytes_(std::move(early_bytes)),
      close_timer_(executor_) {}

// The socket stays with the io_context that accepted it; its completions run on the session's.
template <class Stream> template <class Handler> auto websocket_transport<Stream>::on_session_thread(Handler&& h) {
    return net::bind_executor(executor_, std::forward<Handler>(h));
}

template <class Stream> void websocket_transport<Stream>::run(request const& req) {
    beast::get_lowest_layer(stream_).expires_never();
    beast::error_code ignored;
    socket().non_blocking(true, ignored);
    auto response = std::make_shared<std::string>(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
        ws::accept_key(req[beast::http::field::sec_websocket_key]) + "\r\nServer: webrtc-star-server\r\n\r\n");
    net::async_write(stream_, net::buffer(*response),
                     on_session_thread([self = this->shared_from_this(), response](beast::error_code ec, std::size_t) {
                         self->on_upgraded(ec);
                     }));
}

template <class Stream> void websocket_transport<Stream>::on_upgraded(beast::error_code ec) {
    if (ec) {
        fail(session_->id(), "upgrade response", ec);
        return;  // never attached: nothing to undo
    }
    session_->attach_websocket(*this);
    if (closing_ || finished_) return;  // refused: the read that follows fails and ends it
    if (!early_bytes_.empty()) on_bytes(std::exchange(early_bytes_, {}));
    do_read();
}

// Plain TCP: wait until readable, then read into this thread's buffer, so that an idle
// connection holds no read buffer at all. TLS keeps a small buffer of its own.
template <class Stream> void websocket_transport<Stream>::do_read() {
    if constexpr (is_tls_v<Stream>) {
        if (!tls_buffer_) tls_buffer_ = std::make_unique<std::array<char, 4096>>();
        stream_.async_read_some(
            net::buffer(*tls_buffer_),
            on_session_thread(beast::bind_front_handler(&websocket_transport::on_tls_read, this->shared_from_this())));
    } else {
        socket().async_wait(
            net::socket_base::wait_read,
            on_session_thread(beast::bind_front_handler(&websocket_transport::on_readable, this->shared_from_this())));
    }
}

template <class Stream> void websocket_transport<Stream>::on_readable(beast::error_code ec) {
    if (ec) return finish();
    thread_local std::array<char, 64 * 1024> buffer;
    for (int round = 0; round < 4 && !finished_; ++round) {  // then let other connections have a turn
        std::size_t n = socket().read_some(net::buffer(buffer), ec);
        if (ec == net::error::would_block || ec == net::error::try_again) break;
        if (ec) {
            fail(session_->id(), "read", ec);
            return finish();
        }
        on_bytes(std::string_view(buffer.data(), n));
        if (n < buffer.size()) break;
    }
    if (!finished_) do_read();
}

template <class Stream> void websocket_transport<Stream>::on_tls_read(beast::error_code ec, std::size_t n) {
    if (ec) {
        fail(session_->id(), "read", ec);
        return finish();
    }
    on_bytes(std::string_view(tls_buffer_->data(), n));
    if (!finished_) do_read();
}

template <class Stream> void websocket_transport<Stream>::on_bytes(std::string_view bytes) {
    session_->on_alive();  // anything received answers a liveness probe, even behind a flood
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
                session_->account();
                return;
            case kind::text:
                session_->on_text(*this, e.payload);
                break;
            case kind::binary:
                session_->on_binary(*this);
                break;
            case kind::ping:
                if (session_->allow_ping()) enqueue(make_frame(std::string(e.payload)), {}, ws_opcode::pong, false);
                break;
            case kind::pong:
                break;
            case kind::close:
                peer_closed_ = true;
                send_close(ws::close_code::normal);
                return;
            case kind::error:
                log().debug("session {}: WebSocket protocol error, closing with {}", session_->id(), e.code);
                if (e.code == ws::close_code::too_big) ctx_.metrics.dropped.inc("too_big");
                send_close(e.code);
                return;
        }
    }
}

// The session's packets join the frames waiting: all of them go in the next write.
template <class Stream> void websocket_transport<Stream>::send_ready() {
    for (outgoing p; session_->take_queued(p);) {
        if (closing_ || finished_) {
            session_->discard(p);
            continue;
        }
        queue_.push_back({std::move(p.frame), p.received, ws_opcode::text, true, p.framed});
    }
    if (!writing_ && !queue_.empty() && !finished_) do_write();
}

template <class Stream>
void websocket_transport<Stream>::enqueue(frame_ptr frame, steady_time received, ws_opcode op, bool from_session) {
    if (closing_ || finished_) return;
    queue_.push_back({std::move(frame), received, op, from_session});
    schedule_flush();
}

// Writing starts on the loop's next turn, not at once: frames queued by the handlers that run
// before it leave in one write.
template <class Stream> void websocket_transport<Stream>::schedule_flush() {
    if (writing_ || flush_scheduled_) return;
    flush_scheduled_ = true;
    net::post(executor_, [self = this->shared_from_this()] {
        self->flush_scheduled_ = false;
        if (!self->writing_ && !self->queue_.empty() && !self->finished_) self->do_write();
    });
}

// Everything queued goes out together, many frames to a write: a burst of announcements or
// forwarded handshakes costs one syscall, not one per message.
template <class Stream> void websocket_transport<Stream>::do_write() {
    writing_ = true;
    in_flight_ = prepare_write();
    if constexpr (is_tls_v<Stream>) {
        net::async_write(stream_, write_buffers_,
                         on_session_thread([self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_write(ec);
                         }));
    } else {
        write_plain();
    }
}

template <class Stream> std::size_t websocket_transport<Stream>::prepare_write() {
    std::size_t count = std::min(queue_.size(), max_frames_per_write);
    write_headers_.resize(count * ws::max_header_size);
    write_buffers_.clear();
    write_buffers_done_ = 0;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < count; ++i) {
        auto const& q = queue_[i];
        std::size_t size = q.frame ? q.frame->size() : 0;
        if (i > 0 && bytes + size > max_bytes_per_write) return i;
        if (q.framed) {
            write_buffers_.push_back(net::buffer(*q.frame));
            bytes += size;
            continue;
        }
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
template <class Stream> void websocket_transport<Stream>::write_plain() {
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
            socket().async_wait(
                net::socket_base::wait_write,
                on_session_thread([self = this->shared_from_this()](beast::error_code ec) {
                    self->write_blocked_ = false;
                    if (ec) return self->on_write(ec);
                    self->session_->on_backlog_drained();  // the client read some of its backlog: it is alive
                    self->write_plain();
                }));
            return;
        }
        if (!complete_write() || queue_.empty()) {
            writing_ = false;
            return;
        }
        in_flight_ = prepare_write();
    }
}

template <class Stream> void websocket_transport<Stream>::on_write(beast::error_code ec) {
    if (ec) {
        writing_ = false;
        fail(session_->id(), "write", ec);
        close_now("write failed");
        return;
    }
    if constexpr (is_tls_v<Stream>) {
        writing_ = false;
        session_->on_backlog_drained();
        if (complete_write() && !queue_.empty()) do_write();
    }
}

template <class Stream> bool websocket_transport<Stream>::complete_write() {
    bool close_written = false;
    for (std::size_t i = 0; i < in_flight_; ++i) {
        queued& done = queue_.front();
        if (done.op == ws_opcode::close) close_written = true;
        if (done.from_session) session_->sent({std::move(done.frame), done.received, done.framed});
        queue_.pop_front();
    }
    in_flight_ = 0;
    session_->account();
    if (write_buffers_.capacity() > 32) std::vector<net::const_buffer>().swap(write_buffers_);
    if (write_headers_.capacity() > 160) std::string().swap(write_headers_);
    if (close_written) {
        on_close_written();
        return false;
    }
    return !finished_;
}

template <class Stream> bool websocket_transport<Stream>::close(close_kind kind) {
    if (finished_) return false;
    switch (kind) {
        case close_kind::abort:
            close_now("session closed");
            return false;
        case close_kind::engineio_close:
            send_close(std::nullopt);  // the client reads 1005, as from engine.io's ws
            return true;
        case close_kind::policy_violation:
            send_close(policy_violation);
            return true;
        case close_kind::going_away:
            send_close(ws::close_code::going_away);
            return true;
    }
    return false;
}

// The closing handshake: our close frame goes after the frame being written (anything not yet
// started is dropped), then we wait, at most the handshake timeout, for the client's.
template <class Stream> void websocket_transport<Stream>::send_close(std::optional<std::uint16_t> code) {
    if (close_sent_ || finished_) return;
    close_sent_ = true;
    closing_ = true;
    while (queue_.size() > in_flight_) {
        if (queue_.back().from_session) session_->discard({std::move(queue_.back().frame), {}});
        queue_.pop_back();
    }
    session_->stop_sending(*this);
    queue_.push_back({code ? make_frame(ws::close_payload(*code)) : nullptr, {}, ws_opcode::close, false});
    schedule_flush();
}

template <class Stream> void websocket_transport<Stream>::on_close_written() {
    if (peer_closed_) return close_now("closed");
    if constexpr (!is_tls_v<Stream>) {
        beast::error_code ignored;
        socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    }
    close_timer_.expires_after(ctx_.cfg.handshake_timeout);
    close_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->close_now("no close frame from the client in time");
    });
}

template <class Stream> void websocket_transport<Stream>::close_now(std::string_view why) {
    if (finished_) return;
    log().debug("session {}: closing the WebSocket: {}", session_->id(), why);
    closing_ = true;
    beast::error_code ignored;
    socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);  // the pending read fails, and finish() runs from there
}

template <class Stream> void websocket_transport<Stream>::finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    close_timer_.cancel();
    if (receive_timer_) receive_timer_->cancel();
    for (auto& q : queue_)
        if (q.from_session) session_->discard({std::move(q.frame), {}});
    queue_.clear();
    in_flight_ = 0;
    beast::error_code ignored;
    socket().close(ignored);
    session_->transport_closed(*this);
}

template class websocket_transport<plain_stream>;
template class websocket_transport<tls_stream>;

}  // namespace star::server
