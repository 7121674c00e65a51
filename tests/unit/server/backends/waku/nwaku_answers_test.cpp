// The backend's reading of nwaku's REST answers, as nwaku v0.36 gives them
// (waku/rest_api/endpoint/builder.nim, relay/handlers.nim, health/types.nim).
#include "backends/waku/nwaku_answers.hpp"
#include "backends/waku/poll_pacer.hpp"

#include <catch2/catch.hpp>

using namespace star::server::waku;
using namespace std::chrono_literals;

TEST_CASE("nwaku versions are read from /debug/v1/version's text") {
    auto v = parse_nwaku_version("v0.36.0");
    REQUIRE(v);
    CHECK(v->major == 0);
    CHECK(v->minor == 36);
    CHECK(v->at_least(0, 36));
    CHECK_FALSE(v->at_least(0, 37));
    CHECK(parse_nwaku_version("v0.26.1-rc.0-4-gabcdef")->minor == 26);
    CHECK_FALSE(parse_nwaku_version("v0.26.1")->at_least(ephemeral_since_major, ephemeral_since_minor));
    CHECK(parse_nwaku_version("v1.2")->at_least(0, 99));
    CHECK_FALSE(parse_nwaku_version("git-abcdef"));
    CHECK_FALSE(parse_nwaku_version(""));
    CHECK_FALSE(parse_nwaku_version("v."));
}

TEST_CASE("relay answers: start-up, configuration and per-message refusals are told apart") {
    CHECK(classify_relay_answer(200, "OK") == relay_answer::ok);
    CHECK(classify_relay_answer(404, "/relay endpoints are not available while initializing.") ==
          relay_answer::initialising);
    CHECK(classify_relay_answer(404, "/relay endpoints are not available. Please check your configuration: --relay") ==
          relay_answer::relay_disabled);
    CHECK(classify_relay_answer(404, "") == relay_answer::not_subscribed);
    CHECK(classify_relay_answer(400, "Bad request initiated. Invalid path or method used.") ==
          relay_answer::wrong_base_path);
    CHECK(classify_relay_answer(400, "Failed to publish: Node not subscribed to topic: /waku/2/rs/66/0") ==
          relay_answer::not_subscribed);
    CHECK(classify_relay_answer(400, "Failed to publish: Message size exceeded maximum of 153600 bytes") ==
          relay_answer::message_refused);
    CHECK(classify_relay_answer(400, "Invalid content body, could not decode. Unrecognized field 'ephemeral'") ==
          relay_answer::message_refused);
    CHECK(classify_relay_answer(500, "Failed to publish: timedout") == relay_answer::failed);
}

TEST_CASE("health: a node initialising or without relay peers is a problem with its reason") {
    CHECK_FALSE(health_problem(R"({"nodeHealth":"READY","protocolsHealth":[{"Relay":"READY"}]})"));
    CHECK(*health_problem(R"({"nodeHealth":"INITIALIZING","protocolsHealth":[]})") == "nwaku is INITIALIZING");
    CHECK(*health_problem(R"({"nodeHealth":"READY","protocolsHealth":[{"Rln Relay":"NOT_MOUNTED"},)"
                          R"({"Relay":"NOT_READY","desc":"No connected peers"}]})") ==
          "nwaku relay is NOT_READY: No connected peers");
    // Older nodes answer with text; that is no report, and no problem.
    CHECK_FALSE(is_health_report("Node is healthy"));
    CHECK_FALSE(health_problem("Node is healthy"));
    CHECK(is_health_report(R"({"nodeHealth":"READY"})"));
}

TEST_CASE("poll pacer: fast for a window after traffic is expected, idle otherwise") {
    poll_pacer pacer(100ms, 20ms, 2s);
    auto t0 = poll_pacer::clock::now();
    CHECK(pacer.next_delay(t0) == 100ms);
    pacer.expect_traffic(t0);
    CHECK(pacer.next_delay(t0 + 1s) == 20ms);
    CHECK(pacer.next_delay(t0 + 2s) == 100ms);
    pacer.expect_traffic(t0 + 1s);  // extends, never shortens
    CHECK(pacer.next_delay(t0 + 2500ms) == 20ms);
    CHECK(poll_pacer(10ms, 50ms, 1s).fast() == 10ms);  // "fast" is never slower than idle
}
