#include <catch2/catch.hpp>

#include <stdexcept>

#include "../src/slo.hpp"

using namespace webrtc_star::bench;

TEST_CASE("slo: parses objectives with units", "[slo]") {
    auto s = parse_slo("p99=50ms,errors=0.1%,p50=2000us,connect_p99=1s,rate=100");
    REQUIRE(*s.p99_ms == Approx(50));
    REQUIRE(*s.p50_ms == Approx(2));
    REQUIRE(*s.connect_p99_ms == Approx(1000));
    REQUIRE(*s.error_ratio == Approx(0.001));
    REQUIRE(*s.min_rate == Approx(100));
    REQUIRE_FALSE(s.p90_ms);
    REQUIRE(*parse_slo("errors=0.02").error_ratio == Approx(0.02));
}

TEST_CASE("slo: bad objectives are refused by name", "[slo]") {
    REQUIRE_THROWS_WITH(parse_slo("p98=5ms"), Catch::Contains("unknown objective 'p98'"));
    REQUIRE_THROWS_WITH(parse_slo("p99=5h"), Catch::Contains("unit"));
    REQUIRE_THROWS_WITH(parse_slo("p99"), Catch::Contains("name=value"));
    REQUIRE_THROWS_WITH(parse_slo("errors=200%"), Catch::Contains("above 100%"));
    REQUIRE_THROWS_WITH(parse_slo("p99=-1ms"), Catch::Contains("not a number"));
    REQUIRE_THROWS_WITH(parse_slo(""), Catch::Contains("no objective"));
}

TEST_CASE("slo: judged at the limit, both ways", "[slo]") {
    auto spec = parse_slo("p99=50ms,errors=1%,rate=10");
    slo_figures ok;
    ok.p99_ms = 50;
    ok.error_ratio = 0.01;
    ok.rate = 10;
    for (auto const& c : judge_slo(spec, ok)) REQUIRE(c.passed);
    auto bad = ok;
    bad.p99_ms = 50.5;
    bad.rate = 9.9;
    auto checks = judge_slo(spec, bad);
    REQUIRE(checks.size() == 3);
    REQUIRE_FALSE(checks[0].passed);
    REQUIRE(checks[0].text.find("MISSED") != std::string::npos);
    REQUIRE(checks[1].passed);
    REQUIRE_FALSE(checks[2].passed);
}
