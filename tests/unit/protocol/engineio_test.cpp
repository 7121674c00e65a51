#include "protocol/engineio.hpp"

#include <catch2/catch.hpp>

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
    auto check = [](std::string_view query, bool upgrade = true, std::string_view method = "GET") {
        return check_handshake({method, query, upgrade});
    };
    CHECK(check("EIO=4&transport=websocket").ok->protocol == version::v4);
    CHECK(check("EIO=3&transport=websocket&t=abc").ok->protocol == version::v3);
    CHECK(check("EIO=4&transport=polling").error == handshake_error::unknown_transport);
    CHECK(check("EIO=4").error == handshake_error::unknown_transport);
    CHECK(check("EIO=4&transport=websocket&sid=abc").error == handshake_error::unknown_sid);
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
    CHECK(open_packet(version::v3, s) == R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000})");
}

TEST_CASE("engineio query_param percent-decodes") {
    CHECK(query_param("a=1&b=x%2Fy&c", "b") == "x/y");
    CHECK(query_param("a=1&b=x%2Fy&c", "c") == "");
    CHECK_FALSE(query_param("a=1", "b"));
    CHECK(query_param("a=%", "a") == "%");
}
