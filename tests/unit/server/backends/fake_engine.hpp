// An engine without sockets for the federation shell's tests: it records every envelope it is
// asked to send, and the test decides how each transmission ends (or lets it end by itself).
#pragma once

#include "backends/shell/engine.hpp"
#include "signalling/backend.hpp"

#include <boost/asio/post.hpp>

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace star::test {

namespace shell = server::shell;
namespace fed = protocol::federation;

class fake_engine final : public shell::engine {
public:
    explicit fake_engine(shell::engine_context ctx) : ctx_(ctx) {}

    char const* name() const override { return "fake"; }
    std::string const& server_id() const override { return id_; }
    bool repeats_are_harmless() const override { return harmless; }
    void log_start() const override {}
    void connect() override { ++connects; }

    // The wire form is the envelope's index in `encoded`, so a test reads back exactly what was sent.
    shell::wire_message encode(fed::envelope const& e) override {
        shell::wire_message m;
        if (refuse_encoding) {
            m.refused = "too_large";
            return m;
        }
        encoded.push_back(e);
        m.bytes = std::to_string(encoded.size() - 1);
        if (e.is_signal()) m.to = e.to;
        return m;
    }
    void transmit(shell::wire_message const& m, publish_done done) override {
        sent.push_back(std::stoul(m.bytes));
        if (!answer_by_itself) return awaiting.push_back(std::move(done));
        // As a relay acknowledges: later, on the backend thread.
        boost::asio::post(ctx_.io, [done = std::move(done), outcome = *answer_by_itself] { done({outcome}); });
    }
    void stop_receiving() override { receiving = false; }
    void close() override {
        closed = true;
        awaiting.clear();  // no callback after close()
    }

    // The oldest transmission still awaiting its end ends so.
    void answer(shell::publish_outcome outcome, std::string_view dropped = {}) {
        auto done = std::move(awaiting.front());
        awaiting.pop_front();
        done({outcome, dropped});
    }
    fed::envelope const& sent_envelope(std::size_t i) const { return encoded.at(sent.at(i)); }
    std::vector<fed::envelope_type> sent_types() const {
        std::vector<fed::envelope_type> out;
        for (auto i : sent) out.push_back(encoded.at(i).type);
        return out;
    }

    shell::engine_events& events() { return ctx_.events; }

    bool harmless = true;
    bool refuse_encoding = false;
    std::optional<shell::publish_outcome> answer_by_itself;
    int connects = 0;
    bool receiving = true, closed = false;
    std::vector<fed::envelope> encoded;
    std::vector<std::size_t> sent;  // index into `encoded`, once per transmission (retries repeat it)
    std::deque<publish_done> awaiting;

private:
    shell::engine_context ctx_;
    std::string id_ = "here";
};

// What the hub would be told.
class recording_events final : public server::backend_events {
public:
    void remote_presence(std::string server, std::vector<std::string> ids, server::presence_change c) override {
        presence.push_back({std::move(server), std::move(ids), c});
    }
    void remote_signal(server::remote_signal s) override { signals.push_back(std::move(s)); }
    void remote_server_gone(std::string server) override { gone.push_back(std::move(server)); }

    struct presence_call {
        std::string server;
        std::vector<std::string> ids;
        server::presence_change change;
    };
    std::vector<presence_call> presence;
    std::vector<server::remote_signal> signals;
    std::vector<std::string> gone;
};

}  // namespace star::test
