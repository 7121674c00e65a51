#include "federation/trust_list.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

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
    void write(std::string const& text, unsigned mode = 0644) {
        std::ofstream(path, std::ios::trunc) << text;
        ::chmod(path.c_str(), mode);
    }
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

TEST_CASE("trust list file: a reload names the servers it no longer trusts") {
    temp_file f;
    f.write(fed::to_text(key_of('a')) + " a\n" + fed::to_text(key_of('b')) + " b\n");
    trust_list list(f.path);
    f.write(fed::to_text(key_of('b')) + " b\n" + fed::to_text(key_of('c')) + " c\n");
    std::vector<std::string> revoked;
    CHECK_FALSE(list.reload(&revoked));
    CHECK(revoked == std::vector<std::string>{fed::server_id(key_of('a'))});
    CHECK(list.keys().size() == 2);
}

TEST_CASE("trust list file: refused when group or others may write it, or another user owns it") {
    temp_file f;
    f.write(fed::to_text(key_of('a')) + " a\n", 0664);  // anyone in the group could add a key
    CHECK_THROWS_WITH(trust_list(f.path), Catch::Contains("written by group or others"));
    f.write(fed::to_text(key_of('a')) + " a\n", 0646);
    CHECK_THROWS_WITH(trust_list(f.path), Catch::Contains("chmod go-w"));
    f.write(fed::to_text(key_of('a')) + " a\n", 0644);
    trust_list list(f.path);
    f.write(fed::to_text(key_of('b')) + " b\n", 0666);
    auto problem = list.reload();  // a reload refuses it too, and keeps the old list
    REQUIRE(problem);
    CHECK(problem->find("written by group or others") != std::string::npos);
    CHECK(list.find(key_of('a')));
    if (::geteuid() == 0) {  // root can give it to someone else
        f.write(fed::to_text(key_of('a')) + " a\n", 0644);
        REQUIRE(::chown(f.path.c_str(), 65534, 65534) == 0);
        CHECK_THROWS_WITH(trust_list(f.path), Catch::Contains("owned by uid 65534"));
    }
}
