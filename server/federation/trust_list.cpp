#include "federation/trust_list.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace star::server::federation {
namespace fed = protocol::federation;

namespace {

constexpr std::size_t max_trusted_servers = 10'000;
constexpr std::size_t max_file_size = 4 * 1024 * 1024;

std::string_view trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// `KEY [NAME...]`, the comment already cut off; error set when the line is refused.
std::optional<trusted_server> parse_line(std::string_view line, std::string& error) {
    auto end = line.find_first_of(" \t");
    auto key_text = line.substr(0, end);
    auto key = fed::parse_public_key(key_text);
    if (!key) {
        error = "'" + std::string(key_text.substr(0, 140)) +
                "' is not a public key (66 hex digits, as --federation-keygen prints it)";
        return std::nullopt;
    }
    trusted_server s{*key, fed::server_id(*key), {}};
    s.name = end == std::string_view::npos ? s.id : std::string(trim(line.substr(end)));
    return s;
}

// Whoever may write the list decides whom we believe: it must be ours or root's, and no one else's to
// write. A link is followed (configuration mounts are links); what it leads to is what is checked.
std::string read_protected_file(std::string const& file, std::string& text) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "cannot read trust list '" + file + "': " + std::strerror(errno);
    struct stat st {};
    std::string error;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) error = "trust list '" + file + "' is not a regular file";
    else if (st.st_uid != ::geteuid() && st.st_uid != 0)
        error = "trust list '" + file + "' is owned by uid " + std::to_string(st.st_uid) +
                ", neither this server's user nor root: whoever owns it chooses whom we trust";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        error = "trust list '" + file + "' may be written by group or others: chmod go-w '" + file + "'";
    else if (st.st_size > static_cast<off_t>(max_file_size)) error = "trust list '" + file + "' is larger than 4MiB";
    text.resize(error.empty() ? max_file_size + 1 : 0);
    std::size_t got = 0;
    while (error.empty() && got < text.size()) {
        auto n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) error = "cannot read trust list '" + file + "': " + std::strerror(errno);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    text.resize(got);
    if (error.empty() && got > max_file_size) error = "trust list '" + file + "' is larger than 4MiB";
    return error;
}

}  // namespace

parsed_trust_list parse_trust_list(std::string_view text, std::string const& source) {
    parsed_trust_list out;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        auto eol = text.find('\n');
        auto line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        line = trim(line.substr(0, line.find('#')));
        if (line.empty()) continue;
        std::string error;
        auto server = parse_line(line, error);
        if (!server) {
            out.error = source + ":" + std::to_string(number) + ": " + error;
            return out;
        }
        if (out.servers.size() == max_trusted_servers) {
            out.error = source + ": more than " + std::to_string(max_trusted_servers) + " keys";
            return out;
        }
        out.servers.push_back(std::move(*server));
    }
    if (out.servers.empty()) out.error = source + ": no public key in it (an empty trust list trusts no one)";
    return out;
}

std::shared_ptr<trust_list::table const> trust_list::read(std::string const& file, std::string& error) {
    std::string text;
    error = read_protected_file(file, text);
    if (!error.empty()) return nullptr;
    auto parsed = parse_trust_list(text, file);
    if (!parsed.error.empty()) {
        error = std::move(parsed.error);
        return nullptr;
    }
    auto t = std::make_shared<table>();
    for (auto& s : parsed.servers) t->insert_or_assign(s.id, std::move(s));
    return t;
}

trust_list::trust_list(std::string file) : file_(std::move(file)) {
    std::string error;
    table_ = read(file_, error);
    if (!table_) throw std::runtime_error(error);
}

std::optional<std::string> trust_list::reload(std::vector<std::string>* revoked) {
    std::string error;
    auto fresh = read(file_, error);
    std::lock_guard lock(mutex_);
    if (!fresh) {
        problem_ = "trust list not reloaded, the previous one is in use: " + error;
        return problem_;
    }
    if (revoked)
        for (auto const& [id, server] : *table_)
            if (!fresh->count(id)) revoked->push_back(id);
    table_ = std::move(fresh);
    problem_.reset();
    return std::nullopt;
}

std::optional<trusted_server> trust_list::find(fed::public_key const& key) const {
    auto id = fed::server_id(key);
    std::lock_guard lock(mutex_);
    auto it = table_->find(id);
    if (it == table_->end() || !(it->second.key == key)) return std::nullopt;
    return it->second;
}

std::optional<fed::public_key> trust_list::key_of(std::string const& id) const {
    std::lock_guard lock(mutex_);
    auto it = table_->find(id);
    if (it == table_->end()) return std::nullopt;
    return it->second.key;
}

std::vector<fed::public_key> trust_list::keys() const {
    std::lock_guard lock(mutex_);
    std::vector<fed::public_key> out;
    out.reserve(table_->size());
    for (auto const& [id, server] : *table_) out.push_back(server.key);
    return out;
}

std::optional<std::string> trust_list::problem() const {
    std::lock_guard lock(mutex_);
    return problem_;
}

std::size_t trust_list::size() const {
    std::lock_guard lock(mutex_);
    return table_->size();
}

}  // namespace star::server::federation
