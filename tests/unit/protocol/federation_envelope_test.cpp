#include "protocol/federation_envelope.hpp"
#include "protocol/base64.hpp"

#include "test_ids.hpp"

#include <catch2/catch.hpp>

using namespace star::protocol;
namespace fed = star::protocol::federation;

TEST_CASE("base64 round-trips and refuses junk") {
    for (std::string s :
         std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
        CHECK(base64_decode(base64_encode(s)) == s);
    }
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_decode("Zm9vYg") == "foob");  // unpadded
    CHECK_FALSE(base64_decode("Zm9v!"));
    CHECK_FALSE(base64_decode("Z"));
}

TEST_CASE("envelopes encode and decode to the same thing") {
    fed::envelope e;
    e.type = fed::envelope_type::signal;
    e.from = "server-a";
    e.to = "server-b";
    e.id = "abc1";
    e.ts = 1732000000123;
    e.src = star::test::rsa_peer_id(1);
    e.dst = star::test::ed25519_peer_id(2);
    e.intent = "i\"1";
    e.answer = true;
    e.payload = R"({"intentId":"i\"1","signal":{"type":"answer","sdp":"v=0\r\n"}})";
    auto text = fed::encode(e);
    auto back = fed::decode(text);
    REQUIRE(back.value);
    CHECK(back.value->payload == e.payload);  // byte for byte
    CHECK(back.value->intent == e.intent);
    CHECK(back.value->answer);
    CHECK(back.value->to == "server-b");
    CHECK(back.value->ts == e.ts);

    fed::envelope p;
    p.type = fed::envelope_type::join;
    p.from = "a";
    p.id = "x";
    p.peers = {star::test::rsa_peer_id(3), star::test::rsa_peer_id(4)};
    auto pb = fed::decode(fed::encode(p));
    REQUIRE(pb.value);
    CHECK(pb.value->peers == p.peers);
    CHECK(fed::encode(p).find(R"("type":"join")") != std::string::npos);
}

TEST_CASE("invalid envelopes are refused with a reason") {
    auto id = star::test::rsa_peer_id(1);
    auto reason = [](std::string const& text) { return std::string(fed::decode(text).error); };
    CHECK(reason("[]") == "not_json_object");
    CHECK(reason("{") == "not_json_object");
    CHECK(reason(R"({"v":3,"type":"join","from":"a","id":"x","peers":[]})") == "unsupported_version");
    CHECK(reason(R"({"v":1,"type":"join","from":"a","id":"x","peers":[]})") == "old_version");
    auto with_from = [](std::string const& from) {
        return R"({"v":2,"type":"join","from":")" + from + R"(","id":"x","peers":[]})";
    };
    CHECK(fed::decode(with_from("03" + std::string(64, 'a'))).value);  // a federation id
    CHECK(reason(with_from(std::string(67, 'a'))) == "bad_server_id");
    CHECK(reason(R"({"v":2,"type":"bogus","from":"a","id":"x","peers":[]})") == "unknown_type");
    CHECK(reason(R"({"v":2,"type":"join","from":"a b","id":"x","peers":[]})") == "bad_server_id");
    CHECK(reason(R"({"v":2,"type":"join","from":"a","id":"x","peers":["notapeer"]})") == "bad_peers");
    CHECK(reason(R"({"v":2,"type":"join","from":"a","id":"x"})") == "missing_field");
    CHECK(reason(R"({"v":2,"type":"signal","from":"a","id":"x","to":"b","src":")" + id + R"(","dst":")" + id +
                 R"(","intent":"i","payload":"str"})") == "bad_payload");
    CHECK(reason(R"({"v":2,"type":"signal","from":"a","id":"x","to":"b","src":")" + id +
                 R"(","intent":"i","payload":{}})") == "missing_field");
    CHECK(reason(std::string(fed::max_envelope_size + 1, ' ')) == "too_large");
    // Unknown members are allowed: a later version may add some.
    CHECK(fed::decode(R"({"v":2,"type":"leave","from":"a","id":"x","peers":[],"extra":{"y":1}})").value);
}

TEST_CASE("envelope limits hold for decoded values, and bytes must be UTF-8") {
    auto id = star::test::rsa_peer_id(1);
    auto signal = [&](std::string const& intent) {
        return R"({"v":2,"type":"signal","from":"a","id":"x","to":"b","src":")" + id + R"(","dst":")" + id +
               R"(","intent":")" + intent + R"(","payload":{}})";
    };
    std::string escaped;
    for (int i = 0; i < 200; ++i) escaped += "\\r";  // 400 characters of text, 200 decoded
    auto ok = fed::decode(signal(escaped));
    REQUIRE(ok.value);
    CHECK(fed::decode(fed::encode(*ok.value)).value);  // encodes within the limits again
    CHECK(fed::decode(signal(std::string(300, 'x'))).error == "bad_intent");
    CHECK(fed::decode(signal("\xff")).error == "bad_utf8");
}

TEST_CASE("members of another type are ignored, so what decodes encodes to the same envelope") {
    // Found by fuzz_federation_envelope: decode kept `payload` on a join, encode dropped it.
    auto join = fed::decode(R"({"v":2,"type":"join","from":"a","id":"x","ts":1,"peers":[],"payload":{},"to":"b"})");
    REQUIRE(join.value);
    CHECK(join.value->payload.empty());
    CHECK(join.value->to.empty());
    auto again = fed::decode(fed::encode(*join.value));
    REQUIRE(again.value);
    CHECK(again.value->payload == join.value->payload);
    CHECK(again.value->peers == join.value->peers);
}
