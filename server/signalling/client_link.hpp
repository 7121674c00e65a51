// What the signalling layer sees of a client connection. Implemented by the transport;
// every member may be called from any thread, except deliver() (on executor() only).
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace star::server {

using frame_ptr = std::shared_ptr<std::string const>;
using steady_time = std::chrono::steady_clock::time_point;

class client_link {
public:
    virtual ~client_link() = default;

    std::uint64_t id() const { return id_; }

    // The executor of the connection's own thread, and the send that runs on it: queues a
    // complete Engine.IO frame. `received` is when the message it forwards arrived, for the
    // forward-latency histogram; default-constructed for frames the server originates. The
    // hub hands many links' frames to their thread in one post (see outbox).
    virtual boost::asio::any_io_executor executor() = 0;
    virtual void deliver(frame_ptr frame, steady_time received) = 0;
    // `count` packets the server originates, laid out as WebSocket text frames
    // (protocol::websocket::append_text_frame): a refresh's announcements, queued, counted
    // against the memory budget and written as one.
    virtual void deliver_framed(frame_ptr frames, std::uint32_t count) = 0;

    // Closes the connection at once (a takeover, or a dead holder).
    virtual void drop(std::string_view why) = 0;

    // Asks the client to prove it is alive (a WebSocket ping); `done(alive)` is called once,
    // from the connection's own thread, when it answers or the probe times out.
    virtual void probe(std::function<void(bool alive)> done) = 0;

protected:
    explicit client_link(std::uint64_t id) : id_(id) {}

private:
    std::uint64_t id_;
};

using link_ptr = std::shared_ptr<client_link>;

inline frame_ptr make_frame(std::string text) { return std::make_shared<std::string const>(std::move(text)); }

}  // namespace star::server
