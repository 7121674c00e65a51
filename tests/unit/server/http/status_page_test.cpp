#include "http/status_page.hpp"

#include <catch2/catch.hpp>

using namespace star::server;

TEST_CASE("status_page: peers, connections by transport, and only the drop reasons that happened") {
    config cfg;
    metrics stats;
    stats.peers = 7;
    stats.connections = 9;
    stats.polling_sessions = 2;
    stats.dropped.inc("peer_gone");
    stats.dropped.inc("peer_gone");
    stats.dropped.inc("too_big");
    auto page = status_page(cfg, stats);
    CHECK(page.find("<td>peers joined</td><td>7</td>") != std::string::npos);
    CHECK(page.find("9 (7 WebSocket, 2 long-polling)") != std::string::npos);
    CHECK(page.find("peer_gone 2, too_big 1") != std::string::npos);
    CHECK(page.find("spoofed_src") == std::string::npos);
    CHECK(page.find("<td>joins refused</td><td>none</td>") != std::string::npos);
    CHECK(page.find("remote peers") == std::string::npos);  // the memory backend has no federation
}

TEST_CASE("status_page: the federation's state, its reason escaped, and the memory budget's use") {
    config cfg;
    cfg.backend = "redis";
    metrics stats;
    stats.remote_peers = 12;
    stats.memory_budget_bytes = 1000 * 1024;
    stats.buffered_bytes = 900 * 1024;
    stats.federation_refused.inc("stale");
    auto page = status_page(cfg, stats, std::string("redis: <unreachable> & down"));
    CHECK(page.find("not ready</b>: redis: &lt;unreachable&gt; &amp; down") != std::string::npos);
    CHECK(page.find("<td>remote peers</td><td>12</td>") != std::string::npos);
    CHECK(page.find("stale 1") != std::string::npos);
    CHECK(page.find("900 KiB buffered of 1000 KiB (90.0%)") != std::string::npos);
    CHECK(page.find("<tr class=\"alarm\"><td>memory budget") != std::string::npos);
}
