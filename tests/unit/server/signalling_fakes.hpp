// What the signalling layer's tests stand in for: a client connection and a federated backend
// that record what the hub sends them, and the metric the tests read most.
#pragma once

#include "metrics/metrics.hpp"
#include "protocol/websocket.hpp"
#include "signalling/backend.hpp"
#include "signalling/client_link.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace star::test {

class recording_link : public server::client_link {
public:
    recording_link(std::uint64_t id, boost::asio::any_io_executor ex, bool alive = true)
        : client_link(id), ex_(std::move(ex)), alive_(alive) {}
    boost::asio::any_io_executor executor() override { return ex_; }
    void deliver(server::frame_ptr frame, server::steady_time) override {
        frames.push_back(*frame);
        shared.push_back(std::move(frame));
    }
    // A run arrives laid out as WebSocket frames: recorded frame by frame, as a client reads it.
    void deliver_framed(server::frame_ptr run, std::uint32_t count) override {
        ++runs;
        std::uint32_t seen = 0;
        protocol::websocket::for_each_text_frame(*run, [&](std::string_view f) {
            ++seen;
            frames.emplace_back(f);
            shared.push_back(server::make_frame(std::string(f)));
        });
        if (seen != count)
            frames.emplace_back("(run of " + std::to_string(count) + " held " + std::to_string(seen) + ")");
    }
    void drop(std::string_view) override { dropped = true; }
    void probe(std::function<void(bool)> done) override {
        ++probes;
        done(alive_);
    }
    // What arrived since the last take (frames, and runs counted afresh).
    std::vector<std::string> take() {
        shared.clear();
        runs = 0;
        return std::exchange(frames, {});
    }
    std::vector<server::frame_ptr> take_shared() {
        frames.clear();
        runs = 0;
        return std::exchange(shared, {});
    }

    std::vector<std::string> frames;
    std::vector<server::frame_ptr> shared;  // the same frames, as the objects sent
    bool dropped = false;
    int probes = 0;
    int runs = 0;  // deliver_framed calls

private:
    boost::asio::any_io_executor ex_;
    bool alive_;
};

// A federated backend that records what the hub asks of it.
class recording_backend : public server::backend {
public:
    char const* name() const override { return "recording"; }
    bool federated() const override { return true; }
    std::string const& server_id() const override { return id_; }
    void start(server::backend_events&) override {}
    void stop() override { ++stops; }
    void announce(server::presence_change c, std::vector<std::string> ids) override { announced.emplace_back(c, ids); }
    void send(server::remote_signal s) override { sent.push_back(std::move(s)); }
    std::optional<std::string> degraded() const override { return std::nullopt; }

    std::vector<std::pair<server::presence_change, std::vector<std::string>>> announced;
    std::vector<server::remote_signal> sent;
    int stops = 0;

private:
    std::string id_ = "here";
};

inline std::uint64_t dropped(server::metrics const& m, std::string_view reason) {
    for (std::size_t i = 0; i < m.dropped.labels.size(); ++i)
        if (m.dropped.labels[i] == reason) return m.dropped.values[i].load();
    return 0;
}

}  // namespace star::test
