#include "federation/trust_list.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fed = star::protocol::federation;
using namespace star::server::federation;

namespace {

fed::public_key key_of(char digit) { return fed::public_of(*fed::parse_private_key(std::string(64, digit))); }

struct temp_file {
    std::string path =
        (std::filesystem::temp_directory_path() / ("trust_list_test_" + std::to_string(::getpid()) + ".txt")).string();
    void write(std::string const& text) { std::ofstream(path, std::ios::trunc) << text; }
    ~temp_file() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("trust list text: keys, names, comments, blank lines") {
    auto a = fed::to_text(key_of('a')), b = fed::to_text(key_of('b'));
    auto parsed = parse_trust_list("# ours\n\n" + a + "  eu west 1 # rotated\n  " + b + "\r\n", "t");
    REQUIRE(parsed.error.empty());
    REQUIRE(parsed.servers.size() == 2);
    CHECK(parsed.servers[0].name == "eu west 1");
    CHECK(parsed.servers[0].id == fed::server_id(key_of('a')));
    CHECK(parsed.servers[1].name == parsed.servers[1].id);  // no name: its id
    CHECK(parsed.servers[1].key == key_of('b'));
}

TEST_CASE("trust list text: a bad line or no key refuses the whole text, saying where") {
    auto a = fed::to_text(key_of('a'));
    CHECK(parse_trust_list(a + "\nnot-a-key x\n", "f").error.find("f:2: 'not-a-key'") == 0);
    CHECK(parse_trust_list(a.substr(0, 64) + "\n", "f").error.find("f:1:") == 0);
    CHECK_FALSE(parse_trust_list("# nobody\n\n", "f").error.empty());
    CHECK_FALSE(parse_trust_list("", "f").error.empty());
}

TEST_CASE("trust list file: found by key and id; a bad reload keeps the old list and says why") {
    temp_file f;
    f.write(fed::to_text(key_of('a')) + " a\n");
    trust_list list(f.path);
    CHECK(list.size() == 1);
    CHECK(list.find(key_of('a'))->name == "a");
    CHECK_FALSE(list.find(key_of('b')));
    CHECK(list.key_of(fed::server_id(key_of('a'))) == key_of('a'));
    CHECK_FALSE(list.problem());

    f.write("garbage\n");
    auto problem = list.reload();
    REQUIRE(problem);
    CHECK(problem->find("previous one is in use") != std::string::npos);
    CHECK(list.problem() == problem);
    CHECK(list.find(key_of('a')));  // still trusted

    f.write(fed::to_text(key_of('b')) + " b\n");  // key rotation: b replaces a
    CHECK_FALSE(list.reload());
    CHECK_FALSE(list.problem());
    CHECK(list.find(key_of('b')));
    CHECK_FALSE(list.find(key_of('a')));
}

TEST_CASE("trust list file: unreadable or empty at start is an error naming the file") {
    CHECK_THROWS_WITH(trust_list("/nonexistent/trust"), Catch::Contains("/nonexistent/trust"));
    temp_file f;
    f.write("# nothing yet\n");
    CHECK_THROWS_WITH(trust_list(f.path), Catch::Contains("no public key"));
}
