#include "backends/shell/federation_shell.hpp"

#include "clock.hpp"
#include "fake_engine.hpp"

#include <catch2/catch.hpp>

using namespace star::server;
using namespace std::chrono_literals;
using shell::publish_outcome;
using star::test::fake_engine;
using star::test::recording_events;
namespace fed = star::protocol::federation;
using type = fed::envelope_type;

namespace {

constexpr shell::shell_timing fast{20ms, 20ms, 300ms};

struct shell_fixture {
    metrics stats;
    recording_events hub;
    fake_engine* engine = nullptr;
    shell::federation_shell backend{stats,
                                    [this](shell::engine_context ctx) {
                                        auto e = std::make_unique<fake_engine>(ctx);
                                        engine = e.get();
                                        return e;
                                    },
                                    fast, shell::federation_shell::runner::caller};

    shell_fixture() {
        backend.start(hub);
        run();
    }
    // What is ready now, or everything due within `d`.
    void run(std::chrono::milliseconds d = 0ms) {
        backend.context().restart();
        if (d == 0ms) backend.context().poll();
        else backend.context().run_for(d);
    }
    void up() {
        engine->events().link_up("connected");
        run();
        REQUIRE(engine->sent_types() == std::vector{type::presence});  // the re-announce of no peers
        engine->answer(publish_outcome::delivered);
        engine->sent.clear();
    }
    static remote_signal offer(std::string src, std::string intent = "i1") {
        return {"there", std::move(src), "b", std::move(intent), false, false, R"({"type":"offer"})"};
    }
    static remote_signal answer() { return {"there", "b", "a", "i1", true, false, R"({"type":"answer"})"}; }
    std::uint64_t dropped(std::string_view reason) const { return stats.federation_dropped.get(reason); }
    std::uint64_t signals(std::string_view outcome) const { return stats.federation_signals.get(outcome); }
};

std::vector<std::string> ids(std::string const& prefix, std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
}

std::uint64_t histogram_count(latency_histogram const& h) {
    std::string text;
    h.render(text, "h");
    auto at = text.find("h_count ");
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + 8));
}

}  // namespace

TEST_CASE_METHOD(shell_fixture, "joins and leaves are coalesced for a moment, then sent in order") {
    up();
    backend.announce(presence_change::joined, {"a", "b"});
    backend.announce(presence_change::joined, {"c"});
    backend.announce(presence_change::left, {"a"});
    run();
    CHECK(engine->sent.empty());  // within the window
    run(fast.presence_window * 3);
    REQUIRE(engine->sent_types() == std::vector{type::join, type::leave});
    CHECK(engine->sent_envelope(0).peers == std::vector<std::string>{"a", "b", "c"});
    CHECK(engine->sent_envelope(1).peers == std::vector<std::string>{"a"});
    CHECK(engine->sent_envelope(0).from == "here");
    CHECK(engine->sent_envelope(0).id != engine->sent_envelope(1).id);
    CHECK(std::abs(engine->sent_envelope(0).ts - now_ms()) < 10'000);
}

TEST_CASE_METHOD(shell_fixture, "presence goes in envelopes of peers_per_envelope peers, half the envelope's limit") {
    STATIC_REQUIRE(shell::peers_per_envelope * 2 == fed::max_peers_per_envelope);
    up();
    backend.announce(presence_change::joined, ids("j", shell::peers_per_envelope + 1));
    run(fast.presence_window * 3);
    REQUIRE(engine->sent.size() == 2);
    CHECK(engine->sent_envelope(0).peers.size() == shell::peers_per_envelope);
    CHECK(engine->sent_envelope(1).peers == std::vector<std::string>{"j" + std::to_string(shell::peers_per_envelope)});

    engine->sent.clear();
    backend.announce(presence_change::snapshot, ids("s", 2 * shell::peers_per_envelope + 1));
    run();
    REQUIRE(engine->sent_types() == std::vector{type::presence, type::presence, type::presence});
    CHECK(engine->sent_envelope(2).peers.size() == 1);

    engine->sent.clear();
    backend.announce(presence_change::snapshot, {});
    run();
    REQUIRE(engine->sent.size() == 1);  // "still here, with no peers"
    CHECK(engine->sent_envelope(0).peers.empty());
}

TEST_CASE_METHOD(shell_fixture, "a signal goes out after the pending join of its sender, not before") {
    up();
    backend.announce(presence_change::joined, {"a"});
    backend.send(offer("a"));
    run();  // no wait for the coalescing window
    REQUIRE(engine->sent_types() == std::vector{type::join, type::signal});
    CHECK(engine->sent_envelope(0).peers == std::vector<std::string>{"a"});
    auto const& s = engine->sent_envelope(1);
    CHECK((s.to == "there" && s.src == "a" && s.dst == "b" && s.intent == "i1" && !s.answer));
    CHECK(s.payload == R"({"type":"offer"})");
}

TEST_CASE_METHOD(shell_fixture, "an offer that cannot go is answered 'unavailable' to its dialer at once") {
    SECTION("the relay is away") {
        backend.send(offer("a"));
        run();
        CHECK(engine->sent.empty());
    }
    SECTION("nobody received it: the server holding the peer is gone") {
        up();
        backend.send(offer("a"));
        run();
        engine->answer(publish_outcome::no_receiver);
        CHECK(signals("published") == 1);  // taken by the relay, then given up
    }
    SECTION("the relay refused it") {
        up();
        backend.send(offer("a"));
        run();
        engine->answer(publish_outcome::refused, "refused_by_nwaku");
        CHECK(dropped("refused_by_nwaku") == 1);
    }
    SECTION("the engine cannot encode it") {
        up();
        engine->refuse_encoding = true;
        backend.send(offer("a"));
        run();
        CHECK(engine->sent.empty());
        CHECK(dropped("too_large") == 1);
    }
    REQUIRE(hub.signals.size() == 1);
    auto const& told = hub.signals[0];
    CHECK((told.unavailable && told.server == "there" && told.src == "a" && told.dst == "b" && told.intent == "i1"));
    CHECK(signals("given_up") == 1);
}

TEST_CASE_METHOD(shell_fixture, "an answer that cannot go is counted, and nobody is told") {
    backend.send(answer());
    run();
    CHECK(hub.signals.empty());
    CHECK(signals("given_up") == 1);
}

TEST_CASE_METHOD(shell_fixture, "a publish certainly not sent goes again, the same bytes, at most three times") {
    up();
    backend.send(offer("a"));
    run();
    engine->answer(publish_outcome::not_sent);
    run();
    CHECK(engine->sent.size() == 1);  // not before the retry delay
    run(fast.retry_delay * 3);
    REQUIRE(engine->sent.size() == 2);
    CHECK(engine->sent[1] == engine->sent[0]);
    SECTION("and is delivered") {
        engine->answer(publish_outcome::delivered);
        CHECK(hub.signals.empty());
        CHECK(signals("published") == 1);
    }
    SECTION("or is given up after the third attempt") {
        engine->answer(publish_outcome::not_sent);
        run(fast.retry_delay * 3);
        REQUIRE(engine->sent.size() == 3);
        engine->answer(publish_outcome::not_sent);
        run(fast.retry_delay * 3);
        CHECK(engine->sent.size() == 3);
        REQUIRE(hub.signals.size() == 1);
        CHECK(hub.signals[0].unavailable);
        CHECK(dropped("publish_failed") == 1);
    }
    SECTION("or the link goes meanwhile, and the offer is answered rather than sent late") {
        engine->answer(publish_outcome::not_sent);
        engine->events().link_lost("gone");
        run(fast.retry_delay * 3);
        CHECK(engine->sent.size() == 2);
        REQUIRE(hub.signals.size() == 1);
        CHECK(hub.signals[0].unavailable);
    }
}

TEST_CASE_METHOD(shell_fixture, "a publish lost with its link is sent again only where a repeat is harmless") {
    engine->harmless = GENERATE(true, false);
    up();
    backend.send(offer("a"));
    run();
    engine->answer(publish_outcome::unknown);
    run(fast.retry_delay * 3);
    CHECK(engine->sent.size() == (engine->harmless ? 2u : 1u));
    CHECK(hub.signals.size() == (engine->harmless ? 0u : 1u));
}

TEST_CASE("the retry policy, outcome by outcome") {
    using shell::worth_retrying;
    for (bool harmless : {true, false}) {
        CHECK(worth_retrying(publish_outcome::not_sent, 1, harmless));
        CHECK(worth_retrying(publish_outcome::not_sent, shell::max_publish_attempts - 1, harmless));
        CHECK_FALSE(worth_retrying(publish_outcome::not_sent, shell::max_publish_attempts, harmless));
        CHECK_FALSE(worth_retrying(publish_outcome::delivered, 1, harmless));
        CHECK_FALSE(worth_retrying(publish_outcome::no_receiver, 1, harmless));
        CHECK_FALSE(worth_retrying(publish_outcome::refused, 1, harmless));
    }
    CHECK(worth_retrying(publish_outcome::unknown, 1, true));
    CHECK_FALSE(worth_retrying(publish_outcome::unknown, 1, false));
}

TEST_CASE("the reconnect backoff doubles from 100 ms to 5 s; 'slowest' is 5 s at once") {
    shell::reconnect_backoff b;
    CHECK(b.next(shell::reconnect_pace::backoff) == 100ms);
    CHECK(b.next(shell::reconnect_pace::backoff) == 200ms);
    for (int i = 0; i < 10; ++i) b.next(shell::reconnect_pace::backoff);
    CHECK(b.next(shell::reconnect_pace::backoff) == 5000ms);
    b.reset();
    CHECK(b.next(shell::reconnect_pace::backoff) == 100ms);
    CHECK(b.next(shell::reconnect_pace::slowest) == 5000ms);
}

TEST_CASE_METHOD(shell_fixture,
                 "after a reconnect every peer of ours is announced again, then the leaves that waited") {
    CHECK(backend.degraded() == "not yet connected to its relay (fake)");
    CHECK(engine->connects == 1);
    up();
    CHECK_FALSE(backend.degraded());
    CHECK(stats.federation_degraded.load() == 0);
    backend.announce(presence_change::joined, {"a", "b"});
    run(fast.presence_window * 3);
    engine->sent.clear();

    engine->events().link_lost("the relay went away");
    CHECK(backend.degraded() == "the relay went away");
    CHECK(stats.federation_degraded.load() == 1);
    CHECK(stats.federation_reconnects.load() == 1);
    backend.announce(presence_change::joined, {"c"});  // not queued: the re-announce has it
    backend.announce(presence_change::left, {"a"});    // waits for the relay
    backend.announce(presence_change::snapshot, {"b", "c"});
    backend.send(offer("b"));
    run(150ms);  // the first backoff is 100 ms
    CHECK(engine->connects == 2);
    CHECK(engine->sent.empty());
    REQUIRE(hub.signals.size() == 1);  // the offer was answered at once

    engine->events().link_up("connected");
    run();
    CHECK_FALSE(backend.degraded());
    REQUIRE(engine->sent_types() == std::vector{type::presence, type::leave});
    auto peers = engine->sent_envelope(0).peers;
    std::sort(peers.begin(), peers.end());
    CHECK(peers == std::vector<std::string>{"b", "c"});
    CHECK(engine->sent_envelope(1).peers == std::vector<std::string>{"a"});
}

TEST_CASE_METHOD(shell_fixture, "a relay that needs its operator is tried again slowly") {
    engine->events().link_lost("configuration error", shell::reconnect_pace::slowest);
    run(300ms);
    CHECK(engine->connects == 1);  // not before 5 s
    CHECK(backend.degraded() == "configuration error");
    engine->events().relay_problem("no relay peers");
    CHECK(backend.degraded() == "configuration error");
    engine->events().link_up("connected");
    CHECK(backend.degraded() == "no relay peers");
    engine->events().relay_problem(std::nullopt);
    CHECK_FALSE(backend.degraded());
}

TEST_CASE_METHOD(shell_fixture,
                 "what arrives is counted, timed and handed to the hub; echoes and others' signals are not") {
    fed::envelope e;
    e.from = "there";
    e.ts = now_ms() - 5;
    e.type = type::join;
    e.peers = {"x"};
    engine->events().received(e);
    e.type = type::signal;
    e.to = "here";
    e.src = "x";
    e.dst = "a";
    e.intent = "i";
    e.payload = "{}";
    engine->events().received(e);
    e.to = "elsewhere";
    engine->events().received(e);
    e.from = "here";
    e.type = type::leave;
    engine->events().received(e);
    REQUIRE(hub.presence.size() == 1);
    CHECK((hub.presence[0].server == "there" && hub.presence[0].change == presence_change::joined));
    REQUIRE(hub.signals.size() == 1);
    CHECK((hub.signals[0].src == "x" && hub.signals[0].dst == "a" && !hub.signals[0].unavailable));
    CHECK(stats.federation_received.load() == 2);
    CHECK(histogram_count(stats.federation_crossing_latency) == 2);
    CHECK(dropped("own_echo") == 1);
    CHECK(dropped("not_for_us") == 1);
}

TEST_CASE_METHOD(shell_fixture, "stopping: receiving ends, the last leaves go out, and it ends once they are taken") {
    up();
    engine->answer_by_itself = publish_outcome::delivered;
    backend.announce(presence_change::joined, {"a", "b"});
    run(fast.presence_window * 3);
    engine->sent.clear();
    backend.announce(presence_change::left, {"a", "b"});
    auto t0 = std::chrono::steady_clock::now();
    backend.stop();  // runs the context until the shutdown ends
    CHECK(std::chrono::steady_clock::now() - t0 < fast.leave_publish_bound);
    CHECK_FALSE(engine->receiving);
    CHECK(engine->closed);
    REQUIRE(engine->sent_types() == std::vector{type::leave});
    CHECK(engine->sent_envelope(0).peers == std::vector<std::string>{"a", "b"});
    CHECK(stats.federation_published.load() >= 2);
    backend.stop();  // twice: nothing
}

TEST_CASE_METHOD(shell_fixture, "stopping ends after the bound when the relay never acknowledges") {
    up();
    backend.announce(presence_change::left, {"a"});
    backend.send(offer("a"));
    run();
    auto t0 = std::chrono::steady_clock::now();
    backend.stop();
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took >= fast.leave_publish_bound - 10ms);
    CHECK(took < fast.leave_publish_bound + 500ms);
    CHECK(engine->closed);
    CHECK(hub.signals.empty());  // nothing reaches the hub once stopping, not even a give-up
}

TEST_CASE_METHOD(shell_fixture, "stopping with the relay away ends at once; nothing more reaches the hub") {
    backend.announce(presence_change::left, {"a"});
    auto t0 = std::chrono::steady_clock::now();
    backend.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < fast.leave_publish_bound);
    CHECK(engine->sent.empty());
    fed::envelope e;
    e.from = "there";
    e.type = type::join;
    engine->events().received(e);
    CHECK(hub.presence.empty());
}

TEST_CASE("the shell on its own thread: start, publish, stop") {
    metrics stats;
    recording_events hub;
    fake_engine* engine = nullptr;
    shell::federation_shell backend{stats, [&](shell::engine_context ctx) {
                                        auto e = std::make_unique<fake_engine>(ctx);
                                        e->answer_by_itself = publish_outcome::delivered;
                                        engine = e.get();
                                        return e;
                                    }};
    CHECK(backend.name() == std::string("fake"));
    CHECK(backend.server_id() == "here");
    backend.start(hub);
    boost::asio::post(backend.context(), [&] { engine->events().link_up("connected"); });
    backend.announce(presence_change::left, {"a"});
    backend.stop();  // joins the thread: what it did is visible here
    CHECK(engine->closed);
    CHECK(engine->connects == 1);
}
