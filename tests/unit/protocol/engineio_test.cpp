#include "protocol/engineio.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace star::protocol::engineio;

TEST_CASE("engineio parses packet types") {
    auto p = parse("42[\"x\"]");
    REQUIRE(p);
    CHECK(p->type == packet_type::message);
    CHECK(p->data == "2[\"x\"]");
    CHECK(parse("2probe")->type == packet_type::ping);
    CHECK_FALSE(parse(""));
    CHECK_FALSE(parse("7"));
    CHECK_FALSE(parse("x"));
}

TEST_CASE("engineio handshake checks follow engine.io's order and codes") {
    auto check = [](std::string_view query, bool upgrade = true, std::string_view method = "GET",
                    bool polling = false) {
        return check_handshake({method, query, upgrade, polling});
    };
    CHECK(check("EIO=4&transport=websocket").ok->protocol == version::v4);
    CHECK(check("EIO=3&transport=websocket&t=abc").ok->protocol == version::v3);
    CHECK(check("EIO=4&transport=polling").error == handshake_error::unknown_transport);
    CHECK(check("EIO=4&transport=polling", false, "GET", true).ok->kind == transport::polling);
    CHECK(check("EIO=4&transport=polling", false, "POST", true).error == handshake_error::bad_handshake_method);
    CHECK(check("EIO=4&transport=polling", false, "PUT", true).error == handshake_error::bad_handshake_method);
    CHECK(check("EIO=4&transport=polling&sid=x", false, "POST", true).ok->sid == "x");
    CHECK(check("transport=polling", false, "GET", true).error == handshake_error::unsupported_protocol_version);
    CHECK(check("EIO=abc&transport=polling", false, "GET", true).error ==
          handshake_error::unsupported_protocol_version);
    CHECK(check("EIO=4").error == handshake_error::unknown_transport);
    CHECK(check("EIO=4&transport=abc", false, "GET", true).error == handshake_error::unknown_transport);
    CHECK(check("EIO=4&transport=websocket&sid=abc").ok->sid == "abc");
    CHECK(check("EIO=4&transport=websocket&sid=abc", false).ok->sid == "abc");
    CHECK(check("EIO=4&transport=websocket", true, "POST").error == handshake_error::bad_handshake_method);
    CHECK(check("EIO=4&transport=websocket", false).error == handshake_error::bad_request);
    CHECK(check("EIO=7&transport=websocket").error == handshake_error::unsupported_protocol_version);
    CHECK(check("transport=websocket").error == handshake_error::unsupported_protocol_version);
}

TEST_CASE("engineio error bodies are engine.io's") {
    CHECK(error_body(handshake_error::unknown_transport) == R"({"code":0,"message":"Transport unknown"})");
    CHECK(error_body(handshake_error::unsupported_protocol_version) ==
          R"({"code":5,"message":"Unsupported protocol version"})");
}

TEST_CASE("engineio open packets differ by version") {
    open_settings s{"abc", std::chrono::milliseconds(25000), std::chrono::milliseconds(20000), 1000000};
    CHECK(open_packet(version::v4, s) ==
          R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
    CHECK(open_packet(version::v3, s) ==
          R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
    CHECK(open_packet(version::v4, s, true) ==
          R"(0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
}

TEST_CASE("engineio payloads: version 4 separates records with 0x1e") {
    std::string p;
    append_to_payload(p, version::v4, "4hello");
    append_to_payload(p, version::v4, "2");
    CHECK(p ==
          "4hello\x1e"
          "2");
    auto d = decode_payload(version::v4,
                            "4test1\x1e"
                            "4test2\x1e"
                            "3");
    REQUIRE(d);
    CHECK(*d == std::vector<std::string_view>{"4test1", "4test2", "3"});
    CHECK_FALSE(decode_payload(version::v4, "abc"));
    CHECK_FALSE(decode_payload(version::v4, ""));
    CHECK_FALSE(decode_payload(version::v4, "4a\x1e"));
    CHECK_FALSE(decode_payload(version::v4,
                               "4hello\x1e"
                               "bAQIDBA=="));  // binary: refused
}

TEST_CASE("engineio payloads: version 3 counts UTF-16 code units") {
    std::string p;
    append_to_payload(p, version::v3, "4hello");
    append_to_payload(p, version::v3, "4\xc3\xa9\xf0\x9f\x98\x80");  // é (1 unit) and U+1F600 (2 units)
    CHECK(p == "6:4hello4:4\xc3\xa9\xf0\x9f\x98\x80");
    auto d = decode_payload(version::v3, p);
    REQUIRE(d);
    CHECK(*d == std::vector<std::string_view>{"4hello", "4\xc3\xa9\xf0\x9f\x98\x80"});
    CHECK(decode_payload(version::v3, "1:2")->size() == 1);
    CHECK(decode_payload(version::v3, "")->empty());
    CHECK_FALSE(decode_payload(version::v3, "5:4hello"));  // a length that cuts a packet short
    CHECK_FALSE(decode_payload(version::v3, "9:4hello"));  // longer than what follows
    CHECK_FALSE(decode_payload(version::v3, "x:4hello"));
    CHECK_FALSE(decode_payload(version::v3, "3:4\xf0\x9f"));  // inside a character
    CHECK_FALSE(decode_payload(version::v3, "2:b4"));         // binary (b64=1): refused
    CHECK_FALSE(decode_payload(version::v3, "1:9"));
    CHECK(utf16_length("\xf0\x9f\x98\x80") == 2u);
    CHECK_FALSE(utf16_length("\xff"));
}

TEST_CASE("engineio query_param percent-decodes") {
    CHECK(query_param("a=1&b=x%2Fy&c", "b") == "x/y");
    CHECK(query_param("a=1&b=x%2Fy&c", "c") == "");
    CHECK_FALSE(query_param("a=1", "b"));
    CHECK(query_param("a=%", "a") == "%");
}
