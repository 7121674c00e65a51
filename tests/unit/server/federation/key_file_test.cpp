#include "federation/key_file.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fed = star::protocol::federation;
using namespace star::server::federation;

namespace {

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        char name[] = "/tmp/star-key-file-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

unsigned mode_of(std::filesystem::path const& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

void write_file(std::filesystem::path const& p, std::string const& text, unsigned mode) {
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
}

std::string error_of(std::function<void()> const& f) {
    try {
        f();
    } catch (std::runtime_error const& e) {
        return e.what();
    }
    return {};
}

}  // namespace

TEST_CASE("key file: created with mode 0600 on first use, then the same key every time") {
    temp_dir dir;
    auto file = (dir.path / "key").string();
    auto first = load_or_create_key_file(file);
    CHECK(mode_of(file) == 0600);
    CHECK(fed::to_hex(load_or_create_key_file(file)) == fed::to_hex(first));
}

TEST_CASE("key file: refused when others may read it, or when it holds no key") {
    temp_dir dir;
    auto file = dir.path / "key";
    write_file(file, std::string(64, '1') + "\n", 0644);
    auto error = error_of([&] { load_or_create_key_file(file.string()); });
    CHECK(error.find("mode 0644") != std::string::npos);
    CHECK(error.find("chmod 600") != std::string::npos);
    ::chmod(file.c_str(), 0640);
    CHECK_THROWS_AS(load_or_create_key_file(file.string()), std::runtime_error);
    ::chmod(file.c_str(), 0600);
    CHECK(fed::to_hex(load_or_create_key_file(file.string())) == std::string(64, '1'));
    write_file(file, "not a key\n", 0600);
    CHECK(error_of([&] { load_or_create_key_file(file.string()); }).find("64 digits") != std::string::npos);
    write_file(file, std::string(64, '1') + "\n" + std::string(64, '2') + "\n", 0600);
    CHECK_THROWS_AS(load_or_create_key_file(file.string()), std::runtime_error);
    CHECK_THROWS_AS(load_or_create_key_file((dir.path / "missing-dir" / "key").string()), std::runtime_error);
}

TEST_CASE("key file: keygen writes a new key and never overwrites one") {
    temp_dir dir;
    auto file = (dir.path / "key").string();
    auto key = write_new_key_file(file);
    CHECK(mode_of(file) == 0600);
    CHECK(fed::to_hex(load_or_create_key_file(file)) == fed::to_hex(key));
    CHECK(error_of([&] { write_new_key_file(file); }).find("exists") != std::string::npos);
    CHECK(fed::to_hex(load_or_create_key_file(file)) == fed::to_hex(key));
}

TEST_CASE("key file: not read through a symbolic link, nor when another user owns it") {
    temp_dir dir;
    auto real = dir.path / "real.key";
    auto key = load_or_create_key_file(real.string());
    auto link = dir.path / "link.key";
    std::filesystem::create_symlink(real, link);
    auto error = error_of([&] { load_or_create_key_file(link.string()); });
    CHECK(error.find("symbolic link") != std::string::npos);
    // A dangling link is not followed to create a key somewhere else either.
    auto dangling = dir.path / "dangling.key";
    std::filesystem::create_symlink(dir.path / "elsewhere.key", dangling);
    CHECK_FALSE(error_of([&] { load_or_create_key_file(dangling.string()); }).empty());
    CHECK_FALSE(std::filesystem::exists(dir.path / "elsewhere.key"));
    if (::geteuid() == 0) {  // root can give it to someone else
        REQUIRE(::chown(real.c_str(), 65534, 65534) == 0);
        error = error_of([&] { load_or_create_key_file(real.string()); });
        CHECK(error.find("owned by uid 65534") != std::string::npos);
    }
}
