#include "protocol/socketio.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace star::protocol::socketio;

TEST_CASE("socketio parses connect, events, acks and namespaces") {
    auto c = parse("0");
    REQUIRE(c);
    CHECK(c->type == packet_type::connect);
    CHECK(c->nsp == "/");
    CHECK(parse(R"(0{"token":"x"})")->data == R"({"token":"x"})");

    auto e = parse(R"(2["ss-join","x"])");
    CHECK(e->type == packet_type::event);
    CHECK_FALSE(e->ack_id);
    CHECK(e->data == R"(["ss-join","x"])");

    auto a = parse(R"(212["ev"])");
    CHECK(a->ack_id == 12u);
    CHECK(a->data == R"(["ev"])");

    auto n = parse(R"(2/chat,7["ev"])");
    CHECK(n->nsp == "/chat");
    CHECK(n->ack_id == 7u);
    CHECK(parse("0/chat?x=1,")->nsp == "/chat");
    CHECK(parse("0/chat")->nsp == "/chat");
}

TEST_CASE("socketio recognises binary packets and malformed ones") {
    auto b = parse(R"(51-["ev",{"_placeholder":true,"num":0}])");
    REQUIRE(b);
    CHECK(b->binary());
    CHECK_FALSE(parse("5-[]"));
    CHECK_FALSE(parse("9"));
    CHECK_FALSE(parse(""));
    CHECK_FALSE(parse("21234567890123456[]"));  // ack id beyond JavaScript's exact integers
}

TEST_CASE("socketio frames") {
    CHECK(connect_frame(dialect::v5, "s1") == R"(40{"sid":"s1"})");
    CHECK(connect_frame(dialect::v4_format, "s1") == "40");
    CHECK(connect_error_frame(dialect::v5, "/x", "Invalid namespace") == R"(44/x,{"message":"Invalid namespace"})");
    // socket.io 4 sends v2 clients the same object (a v2 client's `error` event gets it).
    CHECK(connect_error_frame(dialect::v4_format, "/x", "Invalid namespace") ==
          R"(44/x,{"message":"Invalid namespace"})");
    CHECK(event_frame("ws-peer", R"("/a")") == R"(42["ws-peer","/a"])");
    CHECK(ack_frame(3, "[null]") == "433[null]");
}

TEST_CASE("an event nested however deep is a valid packet, as socket.io's JSON.parse takes it") {
    for (std::size_t levels : {500u, 10000u}) {
        INFO(levels);
        std::string deep = std::string(levels, '[') + std::string(levels, ']');
        std::string event = "2[\"ss-handshake\"," + deep + "]";  // parse's views point into it
        auto p = parse(event);
        REQUIRE(p);
        CHECK(invalid_reason(*p).empty());
        std::string ack_text = "31[" + deep + "]";
        auto ack = parse(ack_text);
        REQUIRE(ack);
        CHECK(invalid_reason(*ack).empty());
    }
    // Still malformed when it does not close.
    std::string open_text = "2[\"ss-handshake\"," + std::string(10000, '[') + "]";
    auto open = parse(open_text);
    REQUIRE(open);
    CHECK(invalid_reason(*open) == "bad_payload");
}
