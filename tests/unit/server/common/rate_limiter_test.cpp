#include "rate_limiter.hpp"

#include <catch2/catch.hpp>

using namespace star::server;
using namespace std::chrono_literals;

TEST_CASE("rate_limiter: a burst of twice the rate, then the rate") {
    auto t = rate_limiter::clock::now();
    rate_limiter r;
    r.reset(10, t);
    int allowed = 0;
    for (int i = 0; i < 100; ++i) allowed += r.allow(t);
    CHECK(allowed == 20);
    allowed = 0;
    for (int i = 0; i < 100; ++i) allowed += r.allow(t + 500ms);
    CHECK(allowed == 5);
    CHECK_FALSE(r.allow(t + 500ms));
    CHECK_FALSE(r.allow(t));  // time going backwards (another thread's clock read) adds nothing
    allowed = 0;
    for (int i = 0; i < 100; ++i) allowed += r.allow(t + 1h);
    CHECK(allowed == 20);  // never more than the burst, however long it was idle
}

TEST_CASE("rate_limiter: a rate of 0 is unlimited") {
    rate_limiter r(0);
    for (int i = 0; i < 1000; ++i) REQUIRE(r.allow(rate_limiter::clock::now()));
}
