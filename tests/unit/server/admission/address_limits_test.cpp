#include "admission/address_limits.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace star::server::admission;
using namespace std::chrono_literals;

TEST_CASE("address_limits: open sessions per address, given back when a slot goes") {
    address_limits limits({2, 0, 0, 10s, 1000});
    auto t = address_limits::clock::now();
    address_limits::slot a, b, c;
    CHECK(limits.admit_session("1.1.1.1", t, a) == refusal::none);
    CHECK(limits.admit_session("1.1.1.1", t, b) == refusal::none);
    CHECK(limits.admit_session("1.1.1.1", t, c) == refusal::connections);
    CHECK(limits.admit_session("2.2.2.2", t, c) == refusal::none);  // another address is not held back
    CHECK(limits.open("1.1.1.1") == 2);
    a = {};
    CHECK(limits.open("1.1.1.1") == 1);
    CHECK(limits.admit_session("1.1.1.1", t, a) == refusal::none);
}

TEST_CASE("address_limits: new sessions and joins per address per interval") {
    address_limits limits({0, 3, 2, 10s, 1000});
    auto t = address_limits::clock::now();
    std::vector<address_limits::slot> slots(5);
    int admitted = 0;
    for (auto& s : slots) admitted += limits.admit_session("1.1.1.1", t, s) == refusal::none;
    CHECK(admitted == 3);
    CHECK(limits.admit_session("1.1.1.1", t + 10s, slots[4]) == refusal::none);  // the next interval
    CHECK(limits.allow_join("1.1.1.1", t));
    CHECK(limits.allow_join("1.1.1.1", t));
    CHECK_FALSE(limits.allow_join("1.1.1.1", t + 1s));
    CHECK(limits.allow_join("2.2.2.2", t + 1s));
    CHECK(limits.allow_join("1.1.1.1", t + 11s));
}

TEST_CASE("address_limits: 0 is no limit") {
    address_limits limits({0, 0, 0, 10s, 1000});
    auto t = address_limits::clock::now();
    for (int i = 0; i < 5000; ++i) {
        address_limits::slot s;
        REQUIRE(limits.admit_session("1.1.1.1", t, s) == refusal::none);
        REQUIRE(limits.allow_join("1.1.1.1", t));
    }
    CHECK(limits.size() == 0);  // nothing remembered when nothing is limited
}

TEST_CASE("address_limits: the table is bounded; addresses with nothing open are forgotten") {
    address_limits limits({5, 100, 0, 10s, 1000});
    auto t = address_limits::clock::now();
    std::vector<address_limits::slot> held(1000);
    for (int i = 0; i < 1000; ++i)
        REQUIRE(limits.admit_session("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), t, held[i]) ==
                refusal::none);
    address_limits::slot s;
    CHECK(limits.admit_session("1.1.1.1", t, s) == refusal::table_full);  // every entry holds a session
    for (int i = 0; i < 500; ++i) held[i] = {};
    CHECK(limits.admit_session("1.1.1.1", t + 1s, s) == refusal::none);  // idle ones make room
    CHECK(limits.size() <= 1000);
    for (int i = 0; i < 5000; ++i) {
        address_limits::slot fresh;
        limits.admit_session("fresh-" + std::to_string(i), t + 2s, fresh);
    }
    CHECK(limits.size() <= 1000);
    CHECK(limits.open("10.0.3.231") == 1);  // a holder (i = 999) is never forgotten
}

TEST_CASE("address_limits: open sockets per address, apart from sessions, given back when a slot goes") {
    address_limits limits({1, 0, 0, 10s, 1000, 2});
    auto t = address_limits::clock::now();
    address_limits::slot a, b, c, session;
    CHECK(limits.admit_socket("1.1.1.1", t, a) == refusal::none);
    CHECK(limits.admit_socket("1.1.1.1", t, b) == refusal::none);
    CHECK(limits.admit_socket("1.1.1.1", t, c) == refusal::sockets);
    CHECK(limits.admit_socket("2.2.2.2", t, c) == refusal::none);         // another address is not held back
    CHECK(limits.admit_session("1.1.1.1", t, session) == refusal::none);  // sockets do not count as sessions
    CHECK(limits.sockets("1.1.1.1") == 2);
    CHECK(limits.open("1.1.1.1") == 1);
    a = {};  // gives back a socket, not the session
    CHECK(limits.sockets("1.1.1.1") == 1);
    CHECK(limits.open("1.1.1.1") == 1);
    CHECK(limits.admit_socket("1.1.1.1", t, a) == refusal::none);
    session = {};
    CHECK(limits.open("1.1.1.1") == 0);
    CHECK(limits.sockets("1.1.1.1") == 2);
}
