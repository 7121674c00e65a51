#include "transport/memory_budget.hpp"

#include <catch2/catch.hpp>

using namespace star::server;

TEST_CASE("memory_budget: shares are charged and released, and only the largest holders are shed") {
    metrics stats;
    memory_budget budget(1024 * 1024, stats);
    {
        budget_share small(budget), big(budget);
        CHECK_FALSE(small.update(4096));
        CHECK_FALSE(big.update(512 * 1024));
        CHECK(budget.held() == 4096 + 512 * 1024);
        CHECK_FALSE(budget.spent());
        // The budget is spent: the one growing past its share (half of it, two holders) goes.
        CHECK(big.update(1024 * 1024));
        CHECK(budget.spent());
        // A well-behaved holder growing a little is never shed, spent budget or not.
        CHECK_FALSE(small.update(8192));
        // Shrinking never sheds.
        CHECK_FALSE(big.update(100));
        CHECK(stats.buffered_bytes.load() == 8192 + 100);
    }
    CHECK(budget.held() == 0);
}

TEST_CASE("memory_budget: no holder below the minimum is shed, however many there are") {
    metrics stats;
    memory_budget budget(64 * 1024, stats);
    std::vector<std::unique_ptr<budget_share>> shares;
    for (int i = 0; i < 100; ++i) {
        shares.push_back(std::make_unique<budget_share>(budget));
        CHECK_FALSE(shares.back()->update(memory_budget::min_shed_bytes - 1));
    }
    CHECK(budget.spent());
    CHECK(shares.front()->update(memory_budget::min_shed_bytes));
}

TEST_CASE("memory_budget: a zero limit only counts") {
    metrics stats;
    memory_budget budget(0, stats);
    budget_share s(budget);
    CHECK_FALSE(s.update(1u << 30));
    CHECK_FALSE(budget.spent());
    CHECK(budget.held() == 1u << 30);
}

TEST_CASE("memory_budget: sheds are counted") {
    metrics stats;
    memory_budget budget(1, stats);
    budget.note_shed(1, 10, "test");
    budget.note_shed(2, 10, "test");
    CHECK(stats.budget_sheds.load() == 2);
}
