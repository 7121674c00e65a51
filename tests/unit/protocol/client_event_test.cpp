#include "protocol/client_event.hpp"

#include "test_ids.hpp"

#include <catch2/catch.hpp>

using namespace star::protocol;

namespace {
std::string handshake_json(std::string const& extra = R"(,"signal":{"type":"offer","sdp":"v=0"})") {
    return R"({"intentId":"i1","srcMultiaddr":")" + star::test::star_addr(star::test::rsa_peer_id(1)) +
           R"(","dstMultiaddr":")" + star::test::star_addr(star::test::rsa_peer_id(2), "/dns4/localhost") + "\"" +
           extra + "}";
}
}  // namespace

TEST_CASE("client events are recognised by name") {
    CHECK(parse_client_event(R"(["ss-join","/x"])")->kind == client_event_kind::join);
    CHECK(parse_client_event(R"(["ss-leave"])")->kind == client_event_kind::leave);
    CHECK(parse_client_event(R"(["ss-handshake",{}])")->kind == client_event_kind::handshake);
    CHECK(parse_client_event(R"(["other",1])")->kind == client_event_kind::unknown);
    CHECK(parse_client_event(R"(["ss-join"])")->arg == std::nullopt);
    CHECK(parse_client_event(R"(["ss-join","a","b"])")->arg->text == "\"a\"");
    CHECK_FALSE(parse_client_event(R"([1,"a"])"));
    CHECK_FALSE(parse_client_event(R"({"a":1})"));
    CHECK_FALSE(parse_client_event(R"(["ss-join")"));
    CHECK_FALSE(parse_client_event(""));
}

TEST_CASE("a valid handshake keeps its exact payload and routing fields") {
    auto text = handshake_json(R"(,"answer":false,"signal":{"type":"offer","sdp":"v=0\r\n"})");
    std::string data = "[\"ss-handshake\"," + text + "]";
    auto ev = parse_client_event(data);
    auto h = parse_handshake(ev->arg);
    REQUIRE(h.value);
    CHECK(h.value->payload == text);
    CHECK(h.value->src_key == star::test::rsa_peer_id(1));
    CHECK(h.value->dst_key == star::test::rsa_peer_id(2));
    CHECK(h.value->intent_id == "i1");
    CHECK_FALSE(h.value->answer);
    auto frame = ws_handshake_frame(h.value->payload);
    CHECK(frame.text == "42[\"ws-handshake\"," + text + "]");
    CHECK(frame.text.substr(frame.payload_offset, frame.payload_size) == text);
}

TEST_CASE("invalid handshakes are refused with a reason") {
    auto reason = [](std::string const& arg) {
        std::string data = "[\"ss-handshake\"," + arg + "]";
        auto ev = parse_client_event(data);
        REQUIRE(ev);
        return std::string(parse_handshake(ev->arg).error);
    };
    CHECK(reason("null") == "handshake_not_object");
    CHECK(reason("1") == "handshake_not_object");
    CHECK(reason("[]") == "handshake_not_object");
    CHECK(reason("{}") == "handshake_missing_field");
    CHECK(reason(handshake_json("")) == "handshake_missing_field");
    CHECK(reason(handshake_json(R"(,"signal":"offer")")) == "handshake_bad_signal");
    CHECK(reason(handshake_json(R"(,"signal":{},"answer":"yes")")) == "handshake_bad_answer");
    CHECK(reason(R"({"srcMultiaddr":"bogus","dstMultiaddr":"x","intentId":"i","signal":{}})") == "handshake_bad_src");
    CHECK(reason(R"({"intentId":1})") == "handshake_bad_intent");
    CHECK(reason(R"({"intentId":""})") == "handshake_bad_intent");
    auto no_event = parse_handshake(std::nullopt);
    CHECK(no_event.error == "handshake_not_object");
}

TEST_CASE("the error reply adds err as the last member") {
    CHECK(ws_handshake_error_frame(R"({"a":1})", "peer is not available") ==
          R"(42["ws-handshake",{"a":1,"err":"peer is not available"}])");
    CHECK(ws_handshake_error_frame(R"({ "a" : 1 })", "x") == R"(42["ws-handshake",{"a" : 1,"err":"x"}])");
    CHECK(ws_handshake_error_frame("{}", "x") == R"(42["ws-handshake",{"err":"x"}])");
    CHECK(ws_handshake_error_frame("{ }", "x") == R"(42["ws-handshake",{"err":"x"}])");
}

TEST_CASE("server event frames are valid Socket.IO events") {
    CHECK(ws_peer_frame("/ip4/1.2.3.4") == R"(42["ws-peer","/ip4/1.2.3.4"])");
    CHECK(error_event_frame("bad \"x\"") == R"(42["error","bad \"x\""])");
}

TEST_CASE("a handshake from another server, as text, passes the same checks as a local one") {
    auto good = parse_handshake_text(handshake_json(), 10'000);
    REQUIRE(good.value);
    CHECK(good.value->payload == handshake_json());
    CHECK(good.value->src_key == star::test::rsa_peer_id(1));
    CHECK(parse_handshake_text(handshake_json(R"(,"signal":"offer")"), 10'000).error == "handshake_bad_signal");
    CHECK(parse_handshake_text(handshake_json(""), 10'000).error == "handshake_missing_field");
    CHECK(parse_handshake_text(handshake_json(), handshake_json().size() - 1).error == "too_big");
    CHECK(parse_handshake_text(handshake_json() + " x", 10'000).error ==
          "handshake_not_object");  // not JSON as a whole
    CHECK(parse_handshake_text("", 10'000).error == "handshake_not_object");
}

TEST_CASE("a refused join is told in its ack when it asked for one, else in an error event") {
    CHECK(join_refusal_frame(7, "no \"x\"") == R"(437["no \"x\""])");
    CHECK(join_refusal_frame(std::nullopt, "no") == R"(42["error","no"])");
}

TEST_CASE("deeply nested event data is parsed and refused as data, not as a packet") {
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    std::string data = "[\"ss-handshake\"," + deep + "]";  // the event's views point into it
    auto ev = parse_client_event(data);
    REQUIRE(ev);
    CHECK(ev->kind == client_event_kind::handshake);
    CHECK(parse_handshake(ev->arg).error == "handshake_not_object");
    // A deep signal is still a signal object: the hub forwards it unread, as the reference does.
    std::string signal = R"(,"signal":{"type":"offer","x":)" + deep + "}";
    std::string handshake_data = "[\"ss-handshake\"," + handshake_json(signal) + "]";
    auto h = parse_client_event(handshake_data);
    REQUIRE(h);
    CHECK(parse_handshake(h->arg).value);
    std::string join_data = "[\"ss-join\"," + deep + "]";
    auto join = parse_client_event(join_data);
    REQUIRE(join);
    CHECK(join->kind == client_event_kind::join);
}

TEST_CASE("offers and answers are told from trickled candidates by signal.type") {
    auto negotiation = [](std::string const& signal) {
        auto r = parse_handshake_text(handshake_json(R"(,"signal":)" + signal), 100'000);
        REQUIRE(r.value);
        return r.value->negotiation;
    };
    CHECK(negotiation(R"({"type":"offer","sdp":"v=0\r\n"})"));
    CHECK(negotiation(R"({"sdp":"v=0\r\n","type":"answer"})"));
    CHECK(negotiation(R"({"type":"an\u0073wer","sdp":""})"));  // escaped, as JSON.parse reads it
    CHECK_FALSE(negotiation(R"({"type":"candidate","candidate":{"candidate":"candidate:1 1 UDP 1 ::1 9 typ host"}})"));
    CHECK_FALSE(negotiation(R"({"candidate":{"candidate":"candidate:1","sdpMid":"0"}})"));  // older simple-peer
    CHECK_FALSE(negotiation(R"({"type":"renegotiate","renegotiate":true})"));
    CHECK_FALSE(negotiation(R"({"type":"Offer"})"));
    CHECK_FALSE(negotiation(R"({"type":["offer"]})"));
    CHECK_FALSE(negotiation(R"({"sdp":{"type":"offer"}})"));  // only the signal's own member counts
    CHECK_FALSE(negotiation(R"({})"));
    // A duplicate key: the last one is what the recipient's JSON.parse keeps.
    CHECK_FALSE(negotiation(R"({"type":"offer","type":"candidate"})"));
    CHECK(negotiation(R"({"type":"candidate","type":"offer"})"));
}

TEST_CASE("a handshake's addresses are read in place or, escaped, decoded first: the same keys") {
    auto escaped = [](std::string s) {
        std::string out;
        for (char c : s) out += c == '/' ? std::string("\\/") : std::string(1, c);
        return out;
    };
    auto src = star::test::star_addr(star::test::rsa_peer_id(1));
    auto dst = star::test::star_addr(star::test::rsa_peer_id(2));
    for (bool escape : {false, true}) {
        std::string text = R"({"intentId":"i1","srcMultiaddr":")" + (escape ? escaped(src) : src) +
                           R"(","dstMultiaddr":")" + (escape ? escaped(dst) : dst) + R"(","signal":{}})";
        auto ev = parse_client_event("[\"ss-handshake\"," + text + "]");
        REQUIRE(ev);
        auto h = parse_handshake(ev->arg);
        REQUIRE(h.value);
        CHECK(h.value->src_key == star::test::rsa_peer_id(1));
        CHECK(h.value->dst_key == star::test::rsa_peer_id(2));
    }
    auto bad = parse_client_event(
        R"(["ss-handshake",{"intentId":"i1","srcMultiaddr":"\/ip4\/x","dstMultiaddr":"","signal":{}}])");
    CHECK(parse_handshake(bad->arg).error == "handshake_bad_src");
}
