#include "federation/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace star::server::federation {

namespace fed = protocol::federation;

namespace {

[[noreturn]] void fail(std::string const& path, std::string const& what) {
    throw std::runtime_error("federation key file '" + path + "': " + what);
}

std::string errno_text() { return std::strerror(errno); }

struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

// O_EXCL: never overwrites a key, and of two processes creating the same file only one writes.
// Returns false when the file already exists.
bool try_create(std::string const& path, fed::private_key const& key) {
    fd_guard file{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (file.fd < 0) {
        if (errno == EEXIST) return false;
        fail(path, "cannot create it: " + errno_text());
    }
    std::string line = fed::to_hex(key) + "\n";
    bool written = ::write(file.fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    fed::wipe(line.data(), line.size());
    if (!written || ::fsync(file.fd) != 0) {
        auto why = errno_text();
        ::unlink(path.c_str());
        fail(path, "cannot write it: " + why);
    }
    return true;
}

// Not through a symbolic link (whoever may change the link chooses our identity), a regular file of
// our own user, which no one else may read or write.
fed::private_key read_key(std::string const& path) {
    fd_guard file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (file.fd < 0 && errno == ELOOP)
        fail(path, "it is a symbolic link; give the path of the key file itself (a key is not read through a link)");
    if (file.fd < 0) fail(path, "cannot open it: " + errno_text());
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) fail(path, "cannot stat it: " + errno_text());
    if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
    if (st.st_uid != ::geteuid())
        fail(path, "owned by uid " + std::to_string(st.st_uid) + ", not by this server's user (uid " +
                       std::to_string(::geteuid()) + "): a private key must be the server's alone: chown it");
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        fail(path, std::string("group or others may read or write it (mode ") + mode +
                       "); a private key must be the owner's alone: chmod 600 '" + path + "'");
    }
    char buffer[256];
    auto n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0) fail(path, "cannot read it: " + errno_text());
    std::string_view text(buffer, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    auto key = fed::parse_private_key(text);
    fed::wipe(buffer, sizeof buffer);
    if (!key) fail(path, "expected one line: a secp256k1 private key in hex (64 digits)");
    return *key;
}

}  // namespace

fed::private_key load_or_create_key_file(std::string const& path) {
    try_create(path, fed::generate_private_key());
    return read_key(path);  // what is on disk, whoever wrote it
}

fed::private_key write_new_key_file(std::string const& path) {
    if (!try_create(path, fed::generate_private_key())) fail(path, "it exists already; not overwriting a key");
    return read_key(path);
}

}  // namespace star::server::federation
