#include "federation/replay_guard.hpp"

#include <catch2/catch.hpp>

using star::server::federation::replay_guard;

TEST_CASE("replay guard: fresh once, then replayed; outside the window, stale") {
    replay_guard g(60'000, 100);
    std::int64_t now = 1'000'000'000;
    CHECK(g.check("s/1", now, now).empty());
    CHECK(g.check("s/1", now, now + 10) == "replayed");
    CHECK(g.check("t/1", now, now).empty());  // another signer's id 1
    CHECK(g.check("s/2", now - 60'001, now) == "stale");
    CHECK(g.check("s/3", now + 60'001, now) == "stale");
    CHECK(g.check("s/4", now - 60'000, now).empty());
    CHECK(g.check("s/5", now + 60'000, now).empty());
}

TEST_CASE("replay guard: a key is forgotten once its replay would be stale anyway") {
    replay_guard g(1'000, 100);
    std::int64_t now = 5'000'000;
    CHECK(g.check("s/1", now, now).empty());
    CHECK(g.size() == 1);
    CHECK(g.check("s/2", now + 1'500, now + 1'500).empty());
    CHECK(g.size() == 1);  // s/1 left the window
    CHECK(g.check("s/1", now, now + 1'500) == "stale");
}

TEST_CASE("replay guard: when full, the window shrinks rather than letting a replay through") {
    replay_guard g(60'000, 3);
    std::int64_t now = 9'000'000;
    CHECK(g.check("s/1", now - 30, now).empty());
    CHECK(g.check("s/2", now - 20, now).empty());
    CHECK(g.check("s/3", now - 10, now).empty());
    CHECK(g.check("s/4", now, now).empty());  // forgets s/1, the oldest
    CHECK(g.size() == 3);
    CHECK(g.check("s/1", now - 30, now) == "stale");  // not "fresh": at the new horizon
    CHECK(g.check("s/5", now - 25, now) == "stale");
    CHECK(g.check("s/2", now - 20, now) == "replayed");
}
