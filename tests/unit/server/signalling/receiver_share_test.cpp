#include "signalling/receiver_share.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

using namespace star::server;
using namespace std::chrono_literals;

namespace {

constexpr bool candidate = false, negotiation = true;

// Each sender in `senders` offers `per_tick` candidates every millisecond for `seconds`, all
// starting from a full share; returns how many each got through.
std::vector<int> flood(receiver_share& share, receiver_share::clock::time_point& t,
                       std::vector<std::uint64_t> const& senders, std::vector<int> const& per_tick, int seconds) {
    std::vector<int> got(senders.size(), 0);
    for (int ms = 0; ms < 1000 * seconds; ++ms) {
        t += 1ms;
        for (std::size_t s = 0; s < senders.size(); ++s)
            for (int i = 0; i < per_tick[s]; ++i) got[s] += share.allow(senders[s], candidate, t) ? 1 : 0;
    }
    return got;
}

}  // namespace

TEST_CASE("receiver_share: one sender alone gets the whole rate") {
    auto t = receiver_share::clock::now();
    receiver_share share(1000);
    int burst = 0;
    while (share.allow(1, candidate, t)) ++burst;
    CHECK(burst >= 2000 - 1000 / 8 - 1);  // the 2 s burst, less the headroom kept for newcomers
    CHECK(burst <= 2000);
    auto got = flood(share, t, {1}, {5}, 4);
    CHECK(got[0] >= 4000 - 10);  // the whole rate, sustained
    CHECK(got[0] <= 4000 + 10);
}

TEST_CASE("receiver_share: N senders each get at least rate/N, and never more than the rate together") {
    auto t = receiver_share::clock::now();
    receiver_share share(1000);
    std::vector<std::uint64_t> ids{11, 12, 13, 14};
    flood(share, t, ids, {5, 5, 5, 5}, 2);  // past the bursts
    auto got = flood(share, t, ids, {5, 5, 5, 5}, 4);
    int total = 0;
    for (int g : got) {
        CHECK(g >= 4000 / 4 - 10);
        total += g;
    }
    CHECK(total <= 4000 + 10);
}

TEST_CASE("receiver_share: a flooder cannot push another sender below its share") {
    auto t = receiver_share::clock::now();
    receiver_share share(1000);
    std::vector<std::uint64_t> ids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99};
    std::vector<int> rates(11, 50);  // ten flooders, 50 a millisecond each
    rates[10] = 0;
    flood(share, t, ids, rates, 3);  // they hold the receiver at its limit, the good one silent
    // The good sender comes in the middle of it: 1000/11 a second is its share; it asks for
    // less (a dial's burst of 20, then 50 a second) and gets every one.
    int good = 0;
    for (int i = 0; i < 20; ++i) good += share.allow(99, i == 0 ? negotiation : candidate, t) ? 1 : 0;
    CHECK(good == 20);
    rates[10] = 0;
    for (int ms = 1; ms <= 3000; ++ms) {
        t += 1ms;
        for (std::size_t s = 0; s < 10; ++s)
            for (int i = 0; i < rates[s]; ++i) share.allow(ids[s], candidate, t);
        if (ms % 20 == 0) good += share.allow(99, candidate, t) ? 1 : 0;
    }
    CHECK(good == 20 + 150);
    // And the flooders together still get the rest of the rate: the total is kept, not wasted.
    auto got = flood(share, t, std::vector<std::uint64_t>(ids.begin(), ids.begin() + 10), std::vector<int>(10, 50), 2);
    int total = 0;
    for (int g : got) total += g;
    CHECK(total >= 2000 - 20);
    CHECK(total <= 2000 + 1000 / 8 + 10);  // and what the good one left in the headroom
}

TEST_CASE("receiver_share: offers and answers pass while candidates are refused") {
    auto t = receiver_share::clock::now();
    receiver_share share(100);
    // One sender's own trickle: its candidates stop at its share; its offers and answers go on.
    int candidates = 0;
    while (share.allow(1, candidate, t)) ++candidates;
    CHECK(candidates >= 150);
    CHECK_FALSE(share.allow(1, candidate, t));
    for (int i = 0; i < 10; ++i) CHECK(share.allow(1, negotiation, t));
}

TEST_CASE("receiver_share: flooders' offers pass though their candidates do not, and a quiet sender's both") {
    auto t = receiver_share::clock::now();
    receiver_share share(1000);
    // Ten senders' trickle holds the receiver's total at its headroom.
    std::vector<std::uint64_t> ids{2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    flood(share, t, ids, std::vector<int>(10, 20), 2);
    for (auto s : ids) {
        CHECK_FALSE(share.allow(s, candidate, t));
        CHECK(share.allow(s, negotiation, t));
    }
    CHECK(share.allow(12, negotiation, t));
    for (int i = 0; i < 10; ++i) CHECK(share.allow(12, candidate, t));
}

TEST_CASE("receiver_share: at most max_tracked senders are tracked; the others share one entitlement") {
    auto t = receiver_share::clock::now();
    receiver_share share(100'000);
    for (std::uint64_t s = 1; s <= 1000; ++s) share.allow(s, candidate, t);
    CHECK(share.tracked() == receiver_share::max_tracked);
    // Those beyond the cap are one sender: what the first of them takes, the next cannot.
    std::uint64_t first_untracked = receiver_share::max_tracked + 1;
    while (share.allow(first_untracked, candidate, t)) {
    }
    CHECK_FALSE(share.allow(first_untracked + 1, candidate, t));
    CHECK(share.allow(1, candidate, t));  // a tracked one keeps its own
    // Idle senders are forgotten: new ones get their own entitlement again.
    t += receiver_share::forget_after;
    CHECK(share.allow(5000, candidate, t));
    CHECK(share.tracked() == 1);
}

TEST_CASE("receiver_share: rate 0 is unlimited and tracks nothing") {
    auto t = receiver_share::clock::now();
    receiver_share share(0);
    for (std::uint64_t s = 0; s < 100'000; ++s) REQUIRE(share.allow(s % 1000, candidate, t));
    CHECK(share.tracked() == 0);
}

TEST_CASE("receiver_share: many callers below the receiver's rate are never refused, beyond max_tracked too") {
    auto t = receiver_share::clock::now();
    receiver_share share(1000);
    std::vector<std::uint64_t> senders;
    for (std::uint64_t s = 1; s <= 3 * receiver_share::max_tracked; ++s) senders.push_back(s);
    // 96 senders taking turns, one message a millisecond between them: 1,000 a second, the rate.
    int refused = 0;
    for (int ms = 0; ms < 4000; ++ms) {
        t += 1ms;
        refused += share.allow(senders[static_cast<std::size_t>(ms) % senders.size()], candidate, t) ? 0 : 1;
    }
    CHECK(refused == 0);
    CHECK(share.tracked() <= receiver_share::max_tracked);
}
