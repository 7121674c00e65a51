#include "session.hpp"

#include <atomic>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "json_scan.hpp"
#include "socket_io.hpp"

namespace webrtc_star::floor {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

std::atomic<std::uint64_t> next_sid{1};

std::shared_ptr<std::string const> frame_of(std::string s) { return std::make_shared<std::string const>(std::move(s)); }

}  // namespace

session::session(net::ip::tcp::socket&& socket, std::shared_ptr<peer_registry> peers, session_settings settings)
    : ws_(std::move(socket)), ping_timer_(ws_.get_executor()), peers_(std::move(peers)), settings_(settings) {}

session::~session() {
    if (!peer_id_.empty()) peers_->leave(peer_id_, this);
}

void session::run() {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
        self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        self->ws_.read_message_max(1 << 20);
        self->ws_.async_accept([self](error_code ec) { self->on_accept(ec); });
    });
}

void session::on_accept(error_code ec) {
    if (ec) return;
    ws_.text(true);
    auto sid = std::to_string(next_sid++);
    send(frame_of("0{\"sid\":\"" + sid + "\",\"upgrades\":[],\"pingInterval\":" +
                  std::to_string(settings_.ping_interval.count()) + ",\"pingTimeout\":20000,\"maxPayload\":1000000}"));
    do_ping();
    do_read();
}

void session::do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void session::on_read(error_code ec, std::size_t) {
    if (ec) return close();
    auto data = buffer_.cdata();
    on_frame({static_cast<char const*>(data.data()), data.size()});
    buffer_.consume(buffer_.size());
    if (!closed_) do_read();
}

void session::on_frame(std::string_view f) {
    switch (sio::classify(f)) {
        case sio::packet_kind::sio_connect:
            return send(frame_of("40{\"sid\":\"s" + std::to_string(next_sid++) + "\"}"));
        case sio::packet_kind::sio_event: {
            sio::event ev;
            if (!sio::parse_event(f, ev)) return;
            if (ev.name == "ss-handshake") return on_handshake(ev.payload);
            if (ev.name == "ss-join") return on_join(ev.payload);
            if (ev.name == "ss-leave" && !peer_id_.empty()) {
                peers_->leave(peer_id_, this);
                peer_id_.clear();
            }
            return;
        }
        case sio::packet_kind::eio_close:
        case sio::packet_kind::sio_disconnect:
            return close();
        default:
            return;  // pongs and anything else
    }
}

void session::on_join(std::string_view payload) {
    if (payload.size() < 2 || payload.front() != '"') return;
    auto addr = payload.substr(1, payload.size() - 2);
    auto id = scan::peer_id_of(addr);
    if (id.empty()) return;
    if (!peer_id_.empty() && peer_id_ != id) peers_->leave(peer_id_, this);
    peer_id_ = std::string(id);
    auto others = peers_->join(peer_id_, weak_from_this());
    if (!settings_.announce) return;
    // Encoded once, shared by every recipient.
    auto announcement = frame_of("42[\"ws-peer\",\"" + std::string(addr) + "\"]");
    for (auto const& w : others)
        if (auto s = w.lock()) s->deliver(announcement);
}

void session::on_handshake(std::string_view payload) {
    auto src = scan::string_field(payload, "srcMultiaddr");
    auto dst = scan::string_field(payload, "dstMultiaddr");
    if (!src || !dst || payload.empty() || payload.front() != '{') return;
    bool answer = scan::bool_field(payload, "answer").value_or(false);
    auto target = peers_->find(scan::peer_id_of(answer ? *src : *dst));
    if (target) {
        std::string out;
        out.reserve(payload.size() + 20);
        out.append("42[\"ws-handshake\",").append(payload).append("]");
        return target->deliver(frame_of(std::move(out)));
    }
    if (answer) return;  // the dialer is gone; nobody to tell
    std::string out;
    out.reserve(payload.size() + 50);
    out.append("42[\"ws-handshake\",{\"err\":\"peer is not available\",").append(payload.substr(1)).append("]");
    send(frame_of(std::move(out)));
}

void session::deliver(std::shared_ptr<std::string const> frame) {
    net::post(ws_.get_executor(),
              [self = shared_from_this(), f = std::move(frame)]() mutable { self->send(std::move(f)); });
}

void session::send(std::shared_ptr<std::string const> frame) {
    if (closed_) return;
    if (queue_.size() >= settings_.max_queued_frames)
        return close();  // a reader this slow is dropped, not buffered without bound
    queue_.push_back(std::move(frame));
    if (queue_.size() == 1) do_write();
}

void session::do_write() {
    ws_.async_write(net::buffer(*queue_.front()),
                    [self = shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void session::on_write(error_code ec, std::size_t) {
    if (ec) return close();
    queue_.pop_front();
    if (!queue_.empty() && !closed_) do_write();
}

void session::do_ping() {
    ping_timer_.expires_after(settings_.ping_interval);
    ping_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (ec || self->closed_) return;
        static auto const ping = frame_of("2");
        self->send(ping);
        self->do_ping();
    });
}

void session::close() {
    if (closed_) return;
    closed_ = true;
    ping_timer_.cancel();
    if (!peer_id_.empty()) {
        peers_->leave(peer_id_, this);
        peer_id_.clear();
    }
    beast::get_lowest_layer(ws_).close();
}

}  // namespace webrtc_star::floor
