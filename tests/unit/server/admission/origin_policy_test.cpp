#include "admission/origin_policy.hpp"

#include <catch2/catch.hpp>

using namespace star::server::admission;

TEST_CASE("origin_policy: any by default, and requests without Origin allowed") {
    origin_policy any;
    CHECK(any.allows("https://evil.example"));
    CHECK(any.allows(""));
    CHECK(any.any());
    CHECK(origin_policy("*", false).allows("http://x"));
}

TEST_CASE("origin_policy: exact origins and patterns") {
    origin_policy p("https://app.example.org, *.dapp.example, http://localhost:3000", false);
    CHECK_FALSE(p.any());
    CHECK(p.allows("https://app.example.org"));
    CHECK(p.allows("HTTPS://App.Example.org"));
    CHECK_FALSE(p.allows("http://app.example.org"));  // the scheme is part of an exact origin
    CHECK_FALSE(p.allows("https://app.example.org.evil.com"));
    CHECK(p.allows("https://a.dapp.example"));
    CHECK(p.allows("http://a.b.dapp.example"));
    CHECK_FALSE(p.allows("https://dapp.example"));
    CHECK_FALSE(p.allows("https://evildapp.example"));
    CHECK(p.allows("http://localhost:3000"));
    CHECK_FALSE(p.allows("http://localhost:3001"));
    CHECK_FALSE(p.allows("null"));
    CHECK(p.allows(""));  // not a browser
    CHECK(origin_policy("https://*.example.org", false).allows("https://x.example.org"));
    CHECK_FALSE(origin_policy("https://*.example.org", false).allows("http://x.example.org"));
}

TEST_CASE("origin_policy: --require-origin refuses requests without one") {
    CHECK_FALSE(origin_policy("*", true).allows(""));
    CHECK(origin_policy("*", true).allows("https://x"));
    CHECK_FALSE(origin_policy("*", true).any());
}

TEST_CASE("origin_policy: what is not an origin or pattern is refused") {
    for (auto bad : {"example.org", "https://", "https://a/*", "https://*", "*.", "https://a b"})
        CHECK_THROWS_AS(origin_policy(bad, false), std::invalid_argument);
}
