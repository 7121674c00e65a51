// I/O half of client_session: the WebSocket, the write queue, timers and closing.
// The protocol half is in client_session_protocol.cpp.
#include "transport/client_session.hpp"

#include "transport/random_id.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include "logger.hpp"

#include <random>

namespace star::server {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> log() { return logger_for("transport"); }

bool normal_close(beast::error_code ec) {
    return ec == websocket::error::closed || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::operation_aborted || ec == net::error::broken_pipe ||
           ec == net::error::bad_descriptor || ec == beast::error::timeout;
}

}  // namespace

template <class Stream>
client_session<Stream>::client_session(Stream&& stream, protocol::engineio::version version, server_context& ctx,
                                       socket_slot slot, std::shared_ptr<void> keep_alive)
    : session_base(ctx.sessions.next_id()),
      ws_(std::move(stream)),
      keep_alive_(std::move(keep_alive)),
      version_(version),
      ctx_(ctx),
      slot_(std::move(slot)),
      sid_(random_id()),
      heartbeat_timer_(ws_.get_executor()),
      lifecycle_timer_(ws_.get_executor()) {}

template <class Stream>
void client_session<Stream>::run(request req) {
    auto const& cfg = ctx_.cfg;
    websocket::stream_base::timeout t{};
    t.handshake_timeout = cfg.handshake_timeout;  // opening and closing handshakes
    t.idle_timeout = websocket::stream_base::none();  // Engine.IO heartbeats do this job
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.read_message_max(cfg.max_message_size);
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "webrtc-star-server"); }));
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
        // Runs inside our own read operation, which keeps this session alive.
        if (kind == websocket::frame_type::pong) on_alive();
    });
    beast::get_lowest_layer(ws_).expires_never();
    ws_.async_accept(req, beast::bind_front_handler(&client_session::on_accept, this->shared_from_this()));
}

template <class Stream>
void client_session<Stream>::on_accept(beast::error_code ec) {
    if (ec) {
        log()->debug("session {}: WebSocket accept failed: {}", id(), ec.message());
        return;  // never registered: nothing to undo
    }
    ctx_.sessions.add(id(), this->weak_from_this());
    ctx_.stats.connections.fetch_add(1, std::memory_order_relaxed);
    inc(ctx_.stats.connections_total);
    auto const& cfg = ctx_.cfg;
    enqueue(protocol::engineio::open_packet(
        version_, {sid_, cfg.ping_interval, cfg.ping_timeout, cfg.max_message_size}));
    if (version_ == protocol::engineio::version::v3) {
        // Engine.IO 3 clients (socket.io-client v2) are joined to "/" by the server at once.
        connected_ = true;
        enqueue(protocol::socketio::connect_frame(protocol::socketio::dialect::v4_format, sid_));
        expect_client_ping();
    } else {
        schedule_ping();
        start_connect_deadline();
    }
    tokens_ = ctx_.cfg.max_messages_per_second;
    tokens_at_ = std::chrono::steady_clock::now();
    do_read();
}

template <class Stream>
void client_session<Stream>::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&client_session::on_read, this->shared_from_this()));
}

template <class Stream>
void client_session<Stream>::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (!normal_close(ec)) log()->debug("session {}: read: {}", id(), ec.message());
        finish();
        return;
    }
    inc(ctx_.stats.frames_received);
    read_at_ = std::chrono::steady_clock::now();
    on_alive();
    if (ws_.got_text()) {
        std::string_view text(static_cast<char const*>(buffer_.data().data()), buffer_.size());
        on_engineio(text);
    } else {
        ctx_.stats.dropped.inc("binary_unsupported");
    }
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > 16 * 1024) buffer_ = beast::flat_buffer{};  // idle sessions stay small
    if (!finished_) do_read();
}

template <class Stream>
void client_session<Stream>::send(frame_ptr frame, steady_time received) {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame), received]() mutable {
        self->enqueue(std::move(frame), received);
    });
}

template <class Stream>
void client_session<Stream>::enqueue(frame_ptr frame, steady_time received) {
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
    queue_.push_back({std::move(frame), received});
    if (!writing_) do_write();
}

template <class Stream>
void client_session<Stream>::do_write() {
    writing_ = true;
    auto handler = [self = this->shared_from_this()](beast::error_code ec, std::size_t = 0) { self->on_write(ec); };
    if (!queue_.front().frame) {
        ws_.async_ping({}, handler);
        return;
    }
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front().frame), handler);
}

template <class Stream>
void client_session<Stream>::on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
        if (!normal_close(ec)) log()->debug("session {}: write: {}", id(), ec.message());
        close_now("write failed");
        return;
    }
    queued& done = queue_.front();
    if (done.frame) {
        inc(ctx_.stats.frames_sent);
        queued_bytes_ -= done.frame->size();
        if (done.received != steady_time{})
            ctx_.stats.forward_latency.observe(std::chrono::steady_clock::now() - done.received);
    }
    queue_.pop_front();
    if (!queue_.empty()) do_write();
    else if (closing_ && !finished_) do_close();
}

template <class Stream>
void client_session<Stream>::close_going_away() {
    net::dispatch(ws_.get_executor(), [self = this->shared_from_this()] {
        if (self->closing_ || self->finished_) return;
        self->closing_ = true;
        // Drop what has not started; the frame being written finishes first.
        while (self->queue_.size() > (self->writing_ ? 1u : 0u)) self->queue_.pop_back();
        if (!self->writing_) self->do_close();
    });
}

template <class Stream>
void client_session<Stream>::do_close() {
    ws_.async_close(websocket::close_code::going_away, [self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
}

template <class Stream>
void client_session<Stream>::drop(std::string_view why) {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), why = std::string(why)] { self->close_now(why); });
}

template <class Stream>
void client_session<Stream>::close_now(std::string_view why) {
    if (finished_) return;
    log()->debug("session {}: closing: {}", id(), why);
    closing_ = true;
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);  // the pending read fails, and finish() runs from there
}

template <class Stream>
void client_session<Stream>::finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    heartbeat_timer_.cancel();
    lifecycle_timer_.cancel();
    finish_probe(false);
    ctx_.sessions.remove(id());
    ctx_.stats.connections.fetch_sub(1, std::memory_order_relaxed);
    ctx_.hub.disconnected(this->shared_from_this());
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

// Engine.IO 4: the server pings, the client must pong within the ping timeout.
template <class Stream>
void client_session<Stream>::schedule_ping() {
    awaiting_pong_ = false;
    heartbeat_timer_.expires_after(ctx_.cfg.ping_interval);
    heartbeat_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->finished_) return;
        self->enqueue("2");
        self->await_pong();
    });
}

template <class Stream>
void client_session<Stream>::await_pong() {
    awaiting_pong_ = true;
    heartbeat_timer_.expires_after(ctx_.cfg.ping_timeout);
    heartbeat_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->finished_ || !self->awaiting_pong_) return;
        inc(self->ctx_.stats.heartbeat_timeouts);
        self->close_now("ping timeout");
    });
}

// Engine.IO 3: the client pings; silence for longer than interval + timeout ends the session.
template <class Stream>
void client_session<Stream>::expect_client_ping() {
    heartbeat_timer_.expires_after(ctx_.cfg.ping_interval + ctx_.cfg.ping_timeout);
    heartbeat_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->finished_) return;
        inc(self->ctx_.stats.heartbeat_timeouts);
        self->close_now("ping timeout");
    });
}

template <class Stream>
void client_session<Stream>::start_connect_deadline() {
    lifecycle_timer_.expires_after(ctx_.cfg.connect_timeout);
    lifecycle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->finished_ || self->connected_) return;
        self->close_now("no Socket.IO connect in time");
    });
}

// Each joined peer asks for its own ws-peer refresh on its own jittered schedule, so that
// peers that joined together do not all refresh together.
template <class Stream>
void client_session<Stream>::schedule_refresh() {
    refreshing_ = true;
    thread_local std::minstd_rand rng{std::random_device{}()};
    std::uniform_real_distribution<double> jitter(0.9, 1.1);
    auto interval = std::chrono::duration<double, std::milli>(ctx_.cfg.peer_refresh_interval) * jitter(rng);
    lifecycle_timer_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(interval));
    lifecycle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->finished_ || !self->refreshing_) return;
        self->ctx_.hub.refresh(self);
        self->schedule_refresh();
    });
}

template <class Stream>
void client_session<Stream>::probe(std::function<void(bool alive)> done) {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), done = std::move(done)]() mutable {
        if (self->finished_ || self->closing_) {
            done(false);
            return;
        }
        self->probe_waiters_.push_back(std::move(done));
        if (self->probe_timer_) return;  // a probe is already out
        self->probe_timer_ = std::make_unique<net::steady_timer>(self->ws_.get_executor());
        self->probe_timer_->expires_after(self->ctx_.cfg.takeover_probe_timeout);
        self->probe_timer_->async_wait([self](beast::error_code ec) {
            if (ec || !self->probe_timer_) return;
            self->finish_probe(false);
            self->close_now("did not answer a liveness ping");
        });
        self->queue_.push_back({nullptr, {}});
        if (!self->writing_) self->do_write();
    });
}

template <class Stream>
void client_session<Stream>::on_alive() {
    if (probe_timer_) finish_probe(true);
}

template <class Stream>
void client_session<Stream>::finish_probe(bool alive) {
    if (probe_timer_) {
        probe_timer_->cancel();
        probe_timer_.reset();
    }
    auto waiters = std::move(probe_waiters_);
    probe_waiters_.clear();
    for (auto& w : waiters) w(alive);
}

template class client_session<plain_stream>;
template class client_session<tls_stream>;

}  // namespace star::server
