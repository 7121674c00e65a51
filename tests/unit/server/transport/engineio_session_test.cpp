// engineio_session's rules without a socket: a real polling_transport (it only calls reply
// callbacks) and a stand-in WebSocket transport that records what the session asks of it.
#include "transport/engineio_session.hpp"

#include "backends/memory_backend.hpp"
#include "transport/polling_transport.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <optional>

using namespace star::server;
namespace eio = star::protocol::engineio;

namespace {

// A WebSocket as the session sees it: what it is handed, and how it was closed.
class fake_websocket : public session_transport {
public:
    explicit fake_websocket(engineio_session& s) : session_(s) {}
    ~fake_websocket() override { session_.transport_closed(*this); }  // as a WebSocket says its end
    void send_ready() override {
        for (outgoing p; session_.take_queued(p);) {
            taken.push_back(*p.frame);
            session_.sent(p);
        }
        session_.account();
    }
    void send_now(frame_ptr packet) override { now.push_back(*packet); }
    bool ping_for_liveness() override { return ++pings, false; }
    bool backlogged() const override { return false; }
    std::size_t held() const override { return 0; }
    bool close(close_kind kind) override {
        closed = kind;
        return kind != close_kind::abort;
    }

    std::vector<std::string> taken, now;
    std::optional<close_kind> closed;
    int pings = 0;

private:
    engineio_session& session_;
};

struct fixture {
    boost::asio::io_context io;
    config cfg;
    metrics stats;
    memory_backend alone{"test"};
    std::optional<signalling_hub> hub;
    session_registry sessions;
    std::optional<server_context> ctx;
    std::shared_ptr<engineio_session> session;
    std::shared_ptr<polling_transport> polling;
    std::vector<std::string> answers;  // polling responses' bodies, in order

    explicit fixture(config c = {}) : cfg(std::move(c)) {
        hub.emplace(io.get_executor(), cfg, stats, alone);
        ctx.emplace(cfg, stats, *hub, alone, sessions);
        session = std::make_shared<engineio_session>(io.get_executor(), eio::version::v4, *ctx, "127.0.0.1:5000");
        polling = std::make_shared<polling_transport>(session, socket_slot(*ctx, {}));
        polling->start(record());
        run();
    }
    ~fixture() {
        session->close("test over");
        run();
    }
    polling_reply_fn record() {
        return [this](polling_reply r) { answers.push_back(std::to_string(r.status) + " " + r.body); };
    }
    void run() {
        io.restart();
        io.poll();
    }
    void deliver(std::string text, steady_time received = {}) {
        session->deliver(make_frame(std::move(text)), received);
        run();
    }
    std::shared_ptr<fake_websocket> websocket() {
        auto ws = std::make_shared<fake_websocket>(*session);
        session->attach_websocket(*ws);
        return ws;
    }
};

std::string payload(std::initializer_list<char const*> packets) {
    std::string out = "200 ";
    bool first = true;
    for (auto p : packets) {
        if (!first) out += '\x1e';
        out += p;
        first = false;
    }
    return out;
}

}  // namespace

TEST_CASE("engineio_session: the polling handshake answers with the open packet alone; the session counts itself") {
    fixture f;
    REQUIRE(f.answers.size() == 1);
    CHECK(f.answers[0].rfind("200 0{\"sid\":", 0) == 0);
    CHECK(f.answers[0].find("\"upgrades\":[\"websocket\"]") != std::string::npos);
    CHECK(f.stats.connections.load() == 1);
    CHECK(f.stats.polling_sessions.load() == 1);
    CHECK(f.ctx->polling.find(f.session->sid()) == f.polling);
    f.session->close("done");
    f.run();
    CHECK(f.stats.connections.load() == 0);
    CHECK(f.stats.polling_sessions.load() == 0);
    CHECK(f.ctx->polling.find(f.session->sid()) == nullptr);
}

TEST_CASE("engineio_session: packets queued across the switch are delivered once and in order") {
    fixture f;
    f.deliver("4a");
    f.deliver("4b");
    auto ws = f.websocket();
    f.session->on_text(*ws, "2probe");
    CHECK(ws->now == std::vector<std::string>{"3probe"});
    // While probed, a GET is answered at once with what is queued.
    f.polling->poll(f.record());
    f.run();
    CHECK(f.answers.back() == payload({"4a", "4b"}));
    f.deliver("4c");
    f.deliver("4d");  // no GET pending: they wait
    f.polling->poll(f.record());
    f.run();
    CHECK(f.answers.back() == payload({"4c", "4d"}));
    f.deliver("4e");  // no GET pending at "5": it is the WebSocket's first packet
    f.session->on_text(*ws, "5");
    f.run();
    CHECK(f.answers.size() == 3);
    CHECK(f.session->upgraded());
    CHECK(f.stats.polling_upgrades_total.load() == 1);
    f.deliver("4f");
    CHECK(ws->taken == std::vector<std::string>{"4e", "4f"});
    // The retired polling transport refuses further requests.
    f.polling->poll(f.record());
    f.run();
    CHECK(f.answers.back().rfind("400 ", 0) == 0);
    CHECK(f.stats.frames_sent.load() == 7);  // the open packet and 4a..4f, each once
}

TEST_CASE("engineio_session: 2probe ends a pending GET with a noop when nothing is queued") {
    fixture f;
    f.polling->poll(f.record());
    f.run();
    CHECK(f.answers.size() == 1);  // the GET waits
    auto ws = f.websocket();
    f.session->on_text(*ws, "2probe");
    f.run();
    CHECK(f.answers.back() == payload({"6"}));
}

TEST_CASE("engineio_session: a failed upgrade closes the WebSocket, the session goes on polling") {
    fixture f;
    auto ws = f.websocket();
    f.session->on_text(*ws, "2probe");
    f.session->on_text(*ws, "4nonsense");
    REQUIRE(ws->closed == close_kind::abort);
    f.deliver("4x");
    f.polling->poll(f.record());
    f.run();
    CHECK(f.answers.back() == payload({"4x"}));
    CHECK(ws->taken.empty());
    CHECK_FALSE(f.session->upgraded());
    // A WebSocket that goes away before "5" ends only the attempt; a new one may come.
    auto second = f.websocket();
    f.session->transport_closed(*second);
    CHECK_FALSE(f.session->finished());
    auto third = f.websocket();
    CHECK_FALSE(third->closed.has_value());
    // ...and while one is offered, another is refused.
    auto fourth = f.websocket();
    CHECK(fourth->closed == close_kind::abort);
}

TEST_CASE("engineio_session: a polling session that never polls is shed past its share of a spent budget") {
    config c;
    c.memory_budget = 64 * 1024;
    fixture f(c);
    std::string big(8 * 1024, 'x');
    for (int i = 0; i < 20 && !f.session->finished(); ++i) f.deliver("4" + big);
    CHECK(f.session->finished());
    CHECK(f.stats.budget_sheds.load() == 1);
    CHECK(f.stats.slow_consumers.load() == 0);
    CHECK(f.stats.buffered_bytes.load() == 0);  // its share released
    CHECK(f.stats.polling_sessions.load() == 0);
}

TEST_CASE("engineio_session: past --max-queued-bytes a session is dropped as a slow consumer, on any transport") {
    config c;
    c.max_queued_bytes = 16 * 1024;
    c.memory_budget = 0;
    fixture f(c);
    std::string big(4 * 1024, 'x');
    for (int i = 0; i < 10; ++i) f.deliver("4" + big);
    CHECK(f.session->finished());
    CHECK(f.stats.slow_consumers.load() == 1);
}

TEST_CASE("engineio_session: WebSocket pings after the upgrade are limited, and a flood closes with 1008") {
    config c;
    c.max_pings_per_second = 5;
    fixture f(c);
    auto ws = f.websocket();
    f.session->on_text(*ws, "5");
    REQUIRE(f.session->upgraded());
    int allowed = 0;
    for (int i = 0; i < 200; ++i) allowed += f.session->allow_ping();
    CHECK(allowed <= 11);
    CHECK(allowed >= 9);
    CHECK_FALSE(ws->closed.has_value());
    for (int i = 0; i < 400; ++i) f.session->allow_ping();
    CHECK(ws->closed == close_kind::policy_violation);
    CHECK_FALSE(f.session->finished());  // until the closing handshake is over
    f.session->transport_closed(*ws);
    CHECK(f.session->finished());
}

TEST_CASE("engineio_session: forward latency is observed and packets counted once, on polling and after the upgrade") {
    fixture f;
    auto latency_count = [&] {
        std::string out;
        f.stats.forward_latency.render(out, "l");
        auto at = out.find("l_count ");
        return std::stoull(out.substr(at + 8));
    };
    auto now = std::chrono::steady_clock::now();
    f.deliver("4a", now);
    f.polling->poll(f.record());
    f.run();
    CHECK(latency_count() == 1);
    auto received = f.stats.frames_received.load();
    f.polling->post(
        "40\x1e"
        "42[\"x\"]",
        f.record());
    f.run();
    CHECK(f.stats.frames_received.load() == received + 2);
    auto ws = f.websocket();
    f.session->on_text(*ws, "5");
    f.deliver("4b", now);
    CHECK(latency_count() == 2);
    received = f.stats.frames_received.load();
    f.session->on_text(*ws, "42[\"y\"]");
    CHECK(f.stats.frames_received.load() == received + 1);
}

TEST_CASE("engineio_session: a takeover's probe is answered by any request; silence past the timeout closes") {
    config c;
    c.takeover_probe_timeout = std::chrono::milliseconds(1);
    fixture f(c);
    std::optional<bool> alive;
    f.session->probe([&](bool a) { alive = a; });
    f.run();
    CHECK_FALSE(alive.has_value());
    f.polling->poll(f.record());  // the Engine.IO 4 ping ends this GET at once, and the GET proves life
    f.run();
    CHECK(alive == true);
    alive.reset();
    f.session->probe([&](bool a) { alive = a; });
    f.io.restart();
    f.io.run_for(std::chrono::milliseconds(50));
    CHECK(alive == false);
    CHECK(f.session->finished());
}

TEST_CASE("engineio_session: a GET pending at 5 ends with a noop; what is queued after goes on the WebSocket") {
    fixture f;
    auto ws = f.websocket();
    f.polling->poll(f.record());
    f.run();
    REQUIRE(f.answers.size() == 1);  // not probed: the GET waits for packets
    f.session->on_text(*ws, "5");    // as engine.io, "5" switches even without a probe
    f.run();
    CHECK(f.answers.back() == payload({"6"}));
    f.deliver("4a");
    CHECK(ws->taken == std::vector<std::string>{"4a"});
}

TEST_CASE("engineio_session: a protocol error after the upgrade ends the session now, the WebSocket as engine.io's") {
    fixture f;
    auto ws = f.websocket();
    f.session->on_text(*ws, "5");
    REQUIRE(f.session->upgraded());
    f.session->on_text(*ws, "7");  // no such Engine.IO packet type
    // A close frame without a status code, on the WebSocket's own time; the session is over.
    CHECK(ws->closed == close_kind::engineio_close);
    CHECK(f.session->finished());
    CHECK(f.stats.protocol_errors.get("bad_engineio_packet") == 1);
}
