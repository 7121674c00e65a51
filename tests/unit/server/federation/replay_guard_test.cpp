#include "federation/replay_guard.hpp"

#include <catch2/catch.hpp>

using star::server::federation::replay_guard;

namespace {
constexpr std::int64_t now = 1'000'000'000;
replay_guard guard(std::size_t capacity = 100, std::size_t signers = 10) {
    return replay_guard({60'000, 5'000, capacity, signers}, now);
}
}  // namespace

TEST_CASE("replay guard: fresh once, then replayed; outside the window, stale") {
    auto g = guard();
    CHECK(g.check("s", "1", now, now).empty());
    CHECK(g.check("s", "1", now, now + 10) == "replayed");
    CHECK(g.check("t", "1", now, now).empty());  // another signer's id 1
    CHECK(g.check("s", "2", now - 60'001, now) == "stale");
    CHECK(g.check("s", "4", now - 5'000, now).empty());
    // Ahead of our clock: a few seconds of skew, never the whole window.
    CHECK(g.check("s", "5", now + 5'000, now).empty());
    CHECK(g.check("s", "6", now + 5'001, now) == "stale");
    CHECK(g.check("s", "7", now + 60'000, now) == "stale");
}

TEST_CASE("replay guard: an id is forgotten once its replay would be stale anyway") {
    replay_guard g({1'000, 1'000, 100, 10}, now);
    CHECK(g.check("s", "1", now, now).empty());
    CHECK(g.size() == 1);
    CHECK(g.check("s", "2", now + 1'500, now + 1'500).empty());
    CHECK(g.size() == 1);  // s/1 left the window
    CHECK(g.check("s", "1", now, now + 1'500) == "stale");
}

TEST_CASE("replay guard: nothing from before the start is taken, so a replay cannot cross a restart") {
    auto g = guard();  // a new process: its memory is empty
    CHECK(g.check("s", "new", now, now).empty());
    // Captured 30 s ago, before this process started: within the window, but older than the start.
    CHECK(g.check("s", "captured", now - 30'000, now) == "stale");
    CHECK(g.check("s", "just-before", now - 4'000, now + 1).empty());  // the skew allows a little
    // Later on the window applies as usual.
    CHECK(g.check("s", "later", now + 20'000, now + 40'000).empty());
}

TEST_CASE("replay guard: when full, the signer holding the most shrinks its own window, no one else's") {
    auto g = guard(4);
    CHECK(g.check("honest", "h1", now - 30, now).empty());
    CHECK(g.check("flood", "f1", now + 4'000, now).empty());
    CHECK(g.check("flood", "f2", now + 4'001, now).empty());
    CHECK(g.check("flood", "f3", now + 4'002, now).empty());
    CHECK(g.size() == 4);
    // Full: the flooder (3 ids) gives up its oldest; the honest signer's envelopes are all taken.
    CHECK(g.check("honest", "h2", now - 20, now).empty());
    CHECK(g.check("honest", "h3", now - 10, now).empty());
    CHECK(g.size() == 4);
    CHECK(g.check("honest", "h1", now - 30, now) == "replayed");  // still remembered
    // The flooder's window shrank: its forgotten ids are stale, not fresh again.
    CHECK(g.check("flood", "f1", now + 4'000, now) == "stale");
    CHECK(g.check("flood", "f9", now + 3'000, now) == "stale");
}

TEST_CASE("replay guard: a trusted key's flood of envelopes stamped ahead refuses none of another's") {
    // The attack of issue #23: a full cache of envelopes stamped a minute ahead, then ~830 a second to
    // keep it full, while an honest server sends one envelope every 100 ms. Before, the honest ones were
    // all "stale" for a minute; now none is.
    replay_guard g({60'000, 5'000, 5'000, 16}, now);
    int accepted_ahead = 0;
    for (int i = 0; i < 5'000; ++i) accepted_ahead += g.check("flood", std::to_string(i), now + 60'000, now).empty();
    CHECK(accepted_ahead == 0);
    for (int i = 0; i < 10'000; ++i) g.check("flood", "b" + std::to_string(i), now + 5'000, now);
    int honest_refused = 0;
    for (std::int64_t t = now; t < now + 70'000; t += 100) {
        honest_refused += !g.check("honest", std::to_string(t), t, t).empty();
        if (t % 1'000 == 0)
            for (int i = 0; i < 830; ++i) g.check("flood", std::to_string(t) + "/" + std::to_string(i), t + 5'000, t);
    }
    CHECK(honest_refused == 0);
    CHECK(g.size() <= 5'000);
    CHECK(g.check("honest", std::to_string(now + 69'900), now + 69'900, now + 69'950) == "replayed");
}

TEST_CASE("replay guard: the number of signers remembered is bounded; expired ones make room") {
    auto g = guard(100, 2);
    CHECK(g.check("a", "1", now, now).empty());
    CHECK(g.check("b", "1", now, now).empty());
    CHECK(g.check("c", "1", now, now) == "stale");  // no room to remember it: refused, not let through
    CHECK(g.check("c", "1", now + 61'000, now + 61'000).empty());
    CHECK(g.signers() == 1);
}
