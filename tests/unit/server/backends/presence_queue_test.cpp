#include "backends/shell/presence_queue.hpp"

#include <catch2/catch.hpp>

using namespace star::server;
using shell::peers_per_envelope;
using shell::presence_queue;
using type = star::protocol::federation::envelope_type;

TEST_CASE("joins and leaves become as few envelopes as their order allows") {
    presence_queue q;
    for (auto id : {"a", "b"}) q.add(presence_change::joined, id);
    q.add(presence_change::left, "c");
    q.add(presence_change::joined, "d");
    auto out = q.take();
    REQUIRE(out.size() == 3);
    CHECK((out[0].type == type::join && out[0].peers == std::vector<std::string>{"a", "b"}));
    CHECK((out[1].type == type::leave && out[1].peers == std::vector<std::string>{"c"}));
    CHECK((out[2].type == type::join && out[2].peers == std::vector<std::string>{"d"}));
    CHECK(q.empty());
    CHECK(q.take().empty());
}

TEST_CASE("an envelope names at most peers_per_envelope peers") {
    presence_queue q;
    for (std::size_t i = 0; i < 2 * peers_per_envelope + 1; ++i) q.add(presence_change::left, std::to_string(i));
    auto out = q.take();
    REQUIRE(out.size() == 3);
    CHECK(out[0].peers.size() == peers_per_envelope);
    CHECK(out[1].peers.front() == std::to_string(peers_per_envelope));
    CHECK(out[2].peers == std::vector<std::string>{std::to_string(2 * peers_per_envelope)});
}

TEST_CASE("the queue is bounded") {
    presence_queue q;
    for (std::size_t i = 0; i < shell::max_pending_changes; ++i) REQUIRE(q.add(presence_change::left, "x"));
    CHECK_FALSE(q.add(presence_change::left, "y"));
    CHECK(q.size() == shell::max_pending_changes);
}

TEST_CASE("a snapshot is chunked the same way, and an empty one is one empty envelope") {
    auto none = shell::snapshot_envelopes({});
    REQUIRE(none.size() == 1);
    CHECK((none[0].type == type::presence && none[0].peers.empty()));
    std::vector<std::string> ids(peers_per_envelope + 1, "p");
    auto two = shell::snapshot_envelopes(ids);
    REQUIRE(two.size() == 2);
    CHECK(two[0].peers.size() == peers_per_envelope);
    CHECK((two[1].type == type::presence && two[1].peers.size() == 1));
}
