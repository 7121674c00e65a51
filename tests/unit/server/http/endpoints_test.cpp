#include "http/endpoints.hpp"

#include <catch2/catch.hpp>

using namespace star::server;
namespace http = boost::beast::http;

namespace {
http_request get(std::string target) {
    http_request req{http::verb::get, target, 11};
    return req;
}
}  // namespace

TEST_CASE("status, health and metrics endpoints") {
    config cfg;
    metrics stats;
    CHECK(handle_http(get("/"), cfg, stats).result() == http::status::ok);
    auto health = handle_http(get("/healthz"), cfg, stats);
    CHECK(health.body() == "ok");
    auto m = handle_http(get("/metrics"), cfg, stats);
    CHECK(m.result() == http::status::ok);
    CHECK(m.body().find("# TYPE webrtc_star_peers gauge") != std::string::npos);
    CHECK(m.body().find("webrtc_star_dials_total_success 0") != std::string::npos);
    cfg.metrics = false;
    CHECK(handle_http(get("/metrics"), cfg, stats).result() == http::status::not_found);
    CHECK(handle_http(get("/nope"), cfg, stats).result() == http::status::not_found);
}

TEST_CASE("Engine.IO requests that are not upgrades get engine.io's errors") {
    config cfg;
    cfg.transports_polling = false;  // --transports websocket
    metrics stats;
    CHECK_FALSE(as_polling_request(get("/socket.io/?EIO=4&transport=polling"), cfg));
    auto polling = handle_http(get("/socket.io/?EIO=4&transport=polling"), cfg, stats);
    CHECK(polling.result() == http::status::bad_request);
    CHECK(polling.body() == R"({"code":0,"message":"Transport unknown"})");
    CHECK(polling[http::field::content_type] == "application/json");
    CHECK(handle_http(get("/socket.io-next/?EIO=4&transport=websocket"), cfg, stats).body() ==
          R"({"code":3,"message":"Bad request"})");
}

namespace {
http_request upgrade(std::string target, std::string key = "dGhlIHNhbXBsZSBub25jZQ==", std::string version = "13") {
    auto req = get(std::move(target));
    req.set(http::field::sec_websocket_key, key);
    req.set(http::field::sec_websocket_version, version);
    return req;
}
}  // namespace

TEST_CASE("upgrades are accepted only on Engine.IO paths with a good query and WebSocket headers") {
    CHECK(decide_upgrade(upgrade("/socket.io/?EIO=4&transport=websocket")).version ==
          star::protocol::engineio::version::v4);
    CHECK(decide_upgrade(upgrade("/socket.io-next/?EIO=3&transport=websocket")).version ==
          star::protocol::engineio::version::v3);
    CHECK(decide_upgrade(upgrade("/socket.io/?EIO=4&transport=websocket", "bad")).refusal->result() ==
          http::status::bad_request);
    auto old = decide_upgrade(upgrade("/socket.io/?EIO=4&transport=websocket", "dGhlIHNhbXBsZSBub25jZQ==", "8"));
    CHECK(old.refusal->result() == http::status::upgrade_required);
    auto bad = decide_upgrade(get("/socket.io/?EIO=9&transport=websocket"));
    CHECK_FALSE(bad.version);
    CHECK(bad.refusal->body() == R"({"code":5,"message":"Unsupported protocol version"})");
    CHECK(decide_upgrade(get("/other")).refusal->result() == http::status::not_found);
    auto with_sid = decide_upgrade(upgrade("/socket.io/?EIO=4&transport=websocket&sid=abc"));
    CHECK(with_sid.sid == "abc");
    config polling_only;
    polling_only.transports_websocket = false;
    CHECK(decide_upgrade(upgrade("/socket.io/?EIO=4&transport=websocket"), polling_only).refusal->body() ==
          R"({"code":0,"message":"Transport unknown"})");
}

TEST_CASE("long-polling requests are recognised when polling is served") {
    config cfg;
    auto handshake = as_polling_request(get("/socket.io/?EIO=3&transport=polling&b64=1"), cfg);
    REQUIRE(handshake);
    CHECK(handshake->version == star::protocol::engineio::version::v3);
    CHECK_FALSE(handshake->sid);
    CHECK(as_polling_request(get("/socket.io-next/?EIO=4&transport=polling&sid=x"), cfg)->sid == "x");
    CHECK_FALSE(as_polling_request(get("/socket.io/?EIO=4&transport=websocket"), cfg));
    CHECK_FALSE(as_polling_request(get("/other/?EIO=4&transport=polling"), cfg));
}

TEST_CASE("CORS: the request's origin is allowed, preflights answered") {
    config cfg;
    metrics stats;
    auto req = get("/healthz");
    req.set(http::field::origin, "https://app.example");
    CHECK(handle_http(req, cfg, stats)[http::field::access_control_allow_origin] == "https://app.example");
    http_request pre{http::verb::options, "/metrics", 11};
    pre.set(http::field::origin, "https://app.example");
    auto res = handle_http(pre, cfg, stats);
    CHECK(res.result() == http::status::no_content);
    CHECK(res[http::field::access_control_allow_methods] == "GET, OPTIONS");
}
