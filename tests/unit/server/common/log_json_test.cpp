#include "log_json.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <catch2/catch.hpp>

#include <sstream>

using namespace star::server;

namespace {

std::string quoted(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

}  // namespace

TEST_CASE("append_json_string: quotes, backslashes and control characters are escaped") {
    CHECK(quoted("plain") == "\"plain\"");
    CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(quoted("l1\nl2\r\t") == "\"l1\\nl2\\r\\t\"");
    CHECK(quoted(std::string("\x00\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\\u007f\"");
}

TEST_CASE("append_json_string: valid UTF-8 is kept, invalid bytes become U+FFFD") {
    CHECK(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    CHECK(quoted("\xff") == "\"\\ufffd\"");
    CHECK(quoted("\xc3") == "\"\\ufffd\"");                                   // truncated
    CHECK(quoted("\xc0\xaf") == "\"\\ufffd\\ufffd\"");                        // overlong '/'
    CHECK(quoted("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");             // a surrogate
    CHECK(quoted("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // above U+10FFFF
    CHECK(quoted("a\xe2\x82") == "\"a\\ufffd\\ufffd\"");
}

TEST_CASE("json_log_formatter: an object a line, with the fields log_with passed") {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    spdlog::logger log("transport", sink);
    log.set_formatter(std::make_unique<json_log_formatter>());
    log.set_level(spdlog::level::debug);
    log_with(log, spdlog::level::warn, {{log_key::connection, "42"}, {log_key::reason, "too \"big\""}},
             "closing {}: {}", 42, "bad\nline");
    auto line = out.str();
    CHECK(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.rfind("{\"time\":\"", 0) == 0);
    CHECK(line.find("\",\"level\":\"warn\",\"component\":\"transport\",\"message\":\"closing 42: bad\\nline\","
                    "\"connection_id\":\"42\",\"reason\":\"too \\\"big\\\"\"}\n") != std::string::npos);
    CHECK(line[line.find('Z') - 4] == '.');  // milliseconds, UTC

    out.str("");
    log.info("no fields");
    CHECK(out.str().find("\"message\":\"no fields\"}\n") != std::string::npos);
    CHECK(current_log_fields().second == 0);  // the scope ended with the line
}

TEST_CASE("log_with: nothing is formatted below the logger's level") {
    std::ostringstream out;
    spdlog::logger log("main", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
    log.set_level(spdlog::level::info);
    log_with(log, spdlog::level::debug, {{log_key::peer, "x"}}, "hidden {}", 1);
    CHECK(out.str().empty());
}
