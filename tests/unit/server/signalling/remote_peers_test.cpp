#include "signalling/remote_peers.hpp"

#include <set>

#include <catch2/catch.hpp>

using namespace star::server;
using result = remote_peers::upsert_result;
using std::chrono::seconds;

TEST_CASE("remote peers are added, refreshed and expire; the table is bounded") {
    remote_peers r(3, 10);
    auto t0 = remote_peers::clock::now();
    CHECK(r.upsert("p1", "A", t0 + seconds(10)) == result::added);
    CHECK(r.upsert("p1", "A", t0 + seconds(20)) == result::refreshed);  // a refresh is not news
    CHECK(r.find("p1")->expires == t0 + seconds(20));
    r.upsert("p2", "A", t0 + seconds(1));
    r.upsert("p3", "B", t0 + seconds(30));
    CHECK(r.upsert("p4", "A", t0 + seconds(30)) == result::full);
    CHECK(r.size() == 3);
    r.erase("p3", "A");  // A does not hold p3
    CHECK(r.find("p3"));
    r.expire(t0 + seconds(5));
    CHECK_FALSE(r.find("p2"));
    CHECK(r.size() == 2);
    std::set<std::string> keys;
    for (std::size_t i = 0; i < r.size(); ++i) keys.insert(r.key_at(i));
    CHECK(keys == std::set<std::string>{"p1", "p3"});
    r.erase("p1", "A");
    CHECK(r.size() == 1);
    CHECK(r.key_at(0) == "p3");
    CHECK(r.held_by("A") == 0);
    CHECK(r.held_by("B") == 1);
}

TEST_CASE("a peer held by a live server is not taken over by another's presence") {
    remote_peers r(100, 100);
    auto now = remote_peers::clock::now();
    CHECK(r.upsert("p1", "A", now + seconds(30)) == result::added);
    CHECK(r.upsert("p1", "B", now + seconds(30)) == result::conflict);
    CHECK(r.find("p1")->server == "A");
    CHECK(r.held_by("B") == 0);
    // Until A announces the leave...
    r.erase("p1", "A");
    CHECK(r.upsert("p1", "B", now + seconds(30)) == result::added);
    CHECK(r.find("p1")->server == "B");
    // ...or its presence lapses, even before the sweep has run.
    CHECK(r.upsert("p2", "A", now - seconds(1)) == result::added);
    CHECK(r.upsert("p2", "B", now + seconds(30)) == result::added);
    CHECK(r.find("p2")->server == "B");
    CHECK(r.held_by("A") == 0);
    CHECK(r.held_by("B") == 2);
}

TEST_CASE("each server holds at most its quota of remote peers; others still get in") {
    remote_peers r(100, 2);
    auto later = remote_peers::clock::now() + seconds(30);
    CHECK(r.upsert("a1", "A", later) == result::added);
    CHECK(r.upsert("a2", "A", later) == result::added);
    CHECK(r.upsert("a3", "A", later) == result::over_quota);
    CHECK(r.upsert("a1", "A", later) == result::refreshed);  // refreshing what it holds is fine
    CHECK(r.upsert("b1", "B", later) == result::added);
    r.erase("a1", "A");
    CHECK(r.upsert("a3", "A", later) == result::added);
    CHECK(refusal_label(result::over_quota) == "over_quota");
    CHECK(refusal_label(result::conflict) == "conflict");
    CHECK(refusal_label(result::added).empty());
    CHECK(refusal_label(result::refreshed).empty());
}
