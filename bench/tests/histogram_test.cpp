#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../src/histogram.hpp"

using webrtc_star::bench::atomic_histogram;
using webrtc_star::bench::histogram;

TEST_CASE("histogram buckets keep values within 1%", "[histogram]") {
    for (std::uint64_t v : {0ull, 1ull, 255ull, 256ull, 1000ull, 123456ull, 9999999ull, 1ull << 40}) {
        auto i = histogram::index_of(v);
        REQUIRE(i < histogram::bucket_count);
        auto hi = histogram::highest_in(i);
        REQUIRE(hi >= v);
        REQUIRE(static_cast<double>(hi - v) <= 0.01 * static_cast<double>(v) + 1);
    }
}

TEST_CASE("histogram percentiles", "[histogram]") {
    histogram h;
    for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v);
    REQUIRE(h.count() == 10000);
    REQUIRE(h.max() == 10000);
    REQUIRE(h.percentile(50) == Approx(5000).epsilon(0.01));
    REQUIRE(h.percentile(99) == Approx(9900).epsilon(0.01));
    REQUIRE(h.percentile(100) == 10000);
    REQUIRE(h.mean() == Approx(5000.5));
}

TEST_CASE("histogram since, merge and JSON round trip", "[histogram]") {
    histogram a;
    a.record(100, 10);
    auto earlier = a;
    a.record(5000, 5);
    auto d = a.since(earlier);
    REQUIRE(d.count() == 5);
    REQUIRE(d.percentile(50) == Approx(5000).epsilon(0.01));
    auto back = histogram::from_json(a.to_json());
    REQUIRE(back.count() == a.count());
    REQUIRE(back.percentile(90) == a.percentile(90));
    back.merge(a);
    REQUIRE(back.count() == 30);
}

TEST_CASE("atomic histogram reads what was recorded", "[histogram]") {
    atomic_histogram h;
    h.record(42);
    h.record(4200);
    auto r = h.read();
    REQUIRE(r.count() == 2);
    REQUIRE(r.max() == 4200);
}
