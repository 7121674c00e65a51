#include "signalling/remote_peers.hpp"

#include <set>

#include <catch2/catch.hpp>

using namespace star::server;

TEST_CASE("remote peers are added, refreshed, moved and expire") {
    remote_peers r(3);
    auto t0 = remote_peers::clock::now();
    CHECK(r.upsert("p1", "A", t0 + std::chrono::seconds(10)));
    CHECK_FALSE(r.upsert("p1", "A", t0 + std::chrono::seconds(20)));  // a refresh is not news
    CHECK(r.upsert("p1", "B", t0 + std::chrono::seconds(20)));        // moved to another server
    CHECK(r.find("p1")->server == "B");
    r.upsert("p2", "A", t0 + std::chrono::seconds(1));
    r.upsert("p3", "A", t0 + std::chrono::seconds(30));
    CHECK_FALSE(r.upsert("p4", "A", t0 + std::chrono::seconds(30)));  // bounded
    CHECK(r.size() == 3);
    r.erase("p3", "B");  // B does not hold p3
    CHECK(r.find("p3"));
    r.expire(t0 + std::chrono::seconds(5));
    CHECK_FALSE(r.find("p2"));
    CHECK(r.size() == 2);
    std::set<std::string> keys;
    for (std::size_t i = 0; i < r.size(); ++i) keys.insert(r.key_at(i));
    CHECK(keys == std::set<std::string>{"p1", "p3"});
    r.erase("p1", "B");
    CHECK(r.size() == 1);
    CHECK(r.key_at(0) == "p3");
}
