#include "admission/address_limits.hpp"

#include <vector>

namespace star::server::admission {

address_limits::slot& address_limits::slot::operator=(slot&& o) noexcept {
    if (this != &o) {
        if (owner_) owner_->release(key_, counter_);
        owner_ = std::exchange(o.owner_, nullptr);
        key_ = std::move(o.key_);
        counter_ = o.counter_;
    }
    return *this;
}

address_limits::slot::~slot() {
    if (owner_) owner_->release(key_, counter_);
}

bool address_limits::window::take(unsigned limit, clock::time_point now, std::chrono::milliseconds interval) {
    if (now - start >= interval) {
        start = now;
        count = 0;
    }
    if (limit != 0 && count >= limit) return false;
    ++count;
    return true;
}

// Full: forget every entry with nothing open that was idle a whole interval; if that frees
// nothing, any entry with nothing open (a flood of fresh addresses must not pin the table).
void address_limits::forget_some(clock::time_point now) {
    for (int pass = 0; pass < 2 && table_.size() >= settings_.max_addresses; ++pass) {
        for (auto it = table_.begin(); it != table_.end();) {
            bool idle = pass == 1 || now - it->second.last >= settings_.interval;
            bool holds = it->second.open != 0 || it->second.sockets != 0;
            it = !holds && idle ? table_.erase(it) : std::next(it);
        }
    }
}

address_limits::entry* address_limits::find_or_make(std::string const& key, clock::time_point now) {
    auto it = table_.find(key);
    if (it == table_.end()) {
        if (table_.size() >= settings_.max_addresses) forget_some(now);
        if (table_.size() >= settings_.max_addresses) return nullptr;
        it = table_.emplace(key, entry{}).first;
    }
    it->second.last = now;
    return &it->second;
}

refusal address_limits::admit_socket(std::string const& key, clock::time_point now, slot& out) {
    if (settings_.sockets == 0) return refusal::none;
    std::lock_guard lock(mutex_);
    auto* e = find_or_make(key, now);
    if (!e) return refusal::table_full;
    if (e->sockets >= settings_.sockets) return refusal::sockets;
    ++e->sockets;
    out = slot(this, key, &entry::sockets);
    return refusal::none;
}

refusal address_limits::admit_session(std::string const& key, clock::time_point now, slot& out) {
    if (settings_.connections == 0 && settings_.sessions == 0) return refusal::none;
    std::lock_guard lock(mutex_);
    auto* e = find_or_make(key, now);
    if (!e) return refusal::table_full;
    if (settings_.connections != 0 && e->open >= settings_.connections) return refusal::connections;
    if (!e->sessions.take(settings_.sessions, now, settings_.interval)) return refusal::sessions;
    ++e->open;
    out = slot(this, key, &entry::open);
    return refusal::none;
}

bool address_limits::allow_join(std::string const& key, clock::time_point now) {
    if (settings_.joins == 0) return true;
    std::lock_guard lock(mutex_);
    auto* e = find_or_make(key, now);
    return e && e->joins.take(settings_.joins, now, settings_.interval);
}

void address_limits::release(std::string const& key, std::size_t entry::*counter) {
    std::lock_guard lock(mutex_);
    auto it = table_.find(key);
    if (it != table_.end() && it->second.*counter > 0) --(it->second.*counter);
}

std::size_t address_limits::size() const {
    std::lock_guard lock(mutex_);
    return table_.size();
}

std::size_t address_limits::sockets(std::string const& key) const {
    std::lock_guard lock(mutex_);
    auto it = table_.find(key);
    return it == table_.end() ? 0 : it->second.sockets;
}

std::size_t address_limits::open(std::string const& key) const {
    std::lock_guard lock(mutex_);
    auto it = table_.find(key);
    return it == table_.end() ? 0 : it->second.open;
}

}  // namespace star::server::admission
