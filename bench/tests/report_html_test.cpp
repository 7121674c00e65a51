#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "../src/report.hpp"

using namespace webrtc_star::bench;

namespace {

nlohmann::json minimal_report(std::string const& url) {
    nlohmann::json latency = {{"count", 2}, {"mean", 1.0},  {"p50", 1.0}, {"p90", 2.0},
                              {"p99", 3.0}, {"p99_9", 3.0}, {"max", 3.0}};
    nlohmann::json second = {{"second", 1},   {"offers_sent", 2}, {"completed", 2}, {"errors", 0},
                             {"p50_ms", 1.0}, {"p99_ms", 3.0},    {"max_ms", 3.0}};
    return {{"created", "2026-01-01T00:00:00Z"},
            {"scenario", "steady"},
            {"urls", {url}},
            {"config", {{"clients", 2}, {"joined", 2}, {"eio", "4"}}},
            {"setup",
             {{"ready", 2},
              {"failed", 0},
              {"seconds", 0.1},
              {"connect_latency_ms", latency},
              {"tls_handshakes", 0},
              {"timeline", nlohmann::json::array()}}},
            {"phases",
             {{{"completed", 2},
               {"offers_sent", 2},
               {"completed_per_s", 2.0},
               {"latency_ms", latency},
               {"timeline", {second, second}},
               {"servers", {{"cross_server", {{"offers_sent", 0}}}}}}}},
            {"errors", {{"peer_not_available", 3}}}};
}

}  // namespace

TEST_CASE("to_html: one page, inline SVG, nothing fetched", "[report_html]") {
    auto page = to_html(minimal_report("ws://127.0.0.1:1/socket.io-next/"));
    REQUIRE(page.rfind("<!DOCTYPE html>", 0) == 0);
    REQUIRE(page.find("<svg") != std::string::npos);
    REQUIRE(page.find("Errors by kind") != std::string::npos);
    REQUIRE(page.find("peer_not_available") != std::string::npos);
    REQUIRE(page.find("src=") == std::string::npos);
    REQUIRE(page.find("href=") == std::string::npos);
}

TEST_CASE("to_html: text from the run is escaped", "[report_html]") {
    auto page = to_html(minimal_report("ws://h/<script>alert(1)</script>"));
    REQUIRE(page.find("<script>") == std::string::npos);
    REQUIRE(page.find("&lt;script&gt;") != std::string::npos);
}
