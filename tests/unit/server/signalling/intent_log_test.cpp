#include "signalling/intent_log.hpp"

#include <catch2/catch.hpp>

using namespace star::server;

TEST_CASE("intent_log matches recent offers by intent and recipient") {
    intent_log log;
    auto t0 = intent_log::clock::now();
    log.record("i1", "B", t0);
    CHECK(log.matches("i1", "B", t0));
    CHECK_FALSE(log.matches("i1", "C", t0));
    CHECK_FALSE(log.matches("i2", "B", t0));
    CHECK_FALSE(log.matches("i1", "B", t0 + intent_log::ttl + std::chrono::seconds(1)));
}

TEST_CASE("intent_log refreshes rather than duplicates, and stays bounded") {
    intent_log log;
    auto t0 = intent_log::clock::now();
    for (int i = 0; i < 10; ++i) log.record("same", "B", t0);
    CHECK(log.size() == 1);
    for (std::size_t i = 0; i < intent_log::capacity * 3; ++i) log.record("i" + std::to_string(i), "B", t0);
    CHECK(log.size() == intent_log::capacity);
    CHECK(log.matches("i" + std::to_string(intent_log::capacity * 3 - 1), "B", t0));
    CHECK_FALSE(log.matches("i0", "B", t0));
}
