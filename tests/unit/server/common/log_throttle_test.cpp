#include "log_throttle.hpp"

#include <catch2/catch.hpp>

using namespace star::server;

TEST_CASE("log_throttle: a few lines a second, then it says how many it suppressed") {
    log_throttle throttle(3);
    std::uint64_t suppressed = 99;
    int written = 0;
    for (int i = 0; i < 50; ++i) written += throttle.allow(suppressed);
    // 3 a second; the loop may straddle a second boundary once.
    CHECK(written >= 3);
    CHECK(written <= 6);
}
