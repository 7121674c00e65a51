#include "backends/redis/sentinel_client.hpp"

#include "logger.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

namespace star::server::redis {

namespace {

std::string_view text_of(redisReply const* r) { return r && r->str ? std::string_view(r->str, r->len) : ""; }

std::string name_of(redis_endpoint const& e) { return e.host + ":" + std::to_string(e.port); }

int port_of(std::string_view s) {
    int port = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
    return ec == std::errc() && end == s.data() + s.size() && port > 0 && port < 65536 ? port : 0;
}

}  // namespace

sentinel_client::sentinel_client(boost::asio::any_io_executor ex, sentinel_settings const& settings)
    : ex_(std::move(ex)), settings_(settings) {}

void sentinel_client::find(found_handler found, change_handler changed) {
    found_ = std::move(found);
    changed_ = std::move(changed);
    master_ = {};
    rewatches_ = 0;
    ask(0, "");
}

void sentinel_client::close() {
    ++attempt_;
    if (link_) link_->close();
}

// One Sentinel after the other; the first that knows the master is the one watched.
void sentinel_client::ask(std::size_t index, std::string errors) {
    if (index >= settings_.sentinels.size() && !master_.host.empty()) return stop_watching(errors);
    if (index >= settings_.sentinels.size())
        return found_({}, "no Sentinel of --redis-sentinels knows master '" + settings_.master_name + "'" + errors);
    auto const& sentinel = settings_.sentinels[index];
    auto attempt = ++attempt_;
    if (link_) link_->close();
    link_ = std::make_shared<redis_link>(ex_);
    link_->open({sentinel.host, sentinel.port, settings_.tls, settings_.tls_server_name},
                [this, attempt, index, errors](std::string reason) {
                    if (attempt != attempt_) return;
                    auto why = errors + "; " + name_of(settings_.sentinels[index]) + ": " + reason;
                    if (master_.host.empty()) return ask(index + 1, why);
                    // The watching Sentinel went: watch through the next. The master's connections stay;
                    // ROLE, asked every second, covers a failover missed meanwhile.
                    if (++rewatches_ > settings_.sentinels.size()) return stop_watching(why);
                    ask((index + 1) % settings_.sentinels.size(), why);
                });
    if (!settings_.auth.empty())
        link_->command(settings_.auth, [](redisReply*) {});  // a refusal shows in the answer below
    link_->command({"SENTINEL", "get-master-addr-by-name", settings_.master_name},
                   [this, attempt, index, errors](redisReply* r) {
                       if (attempt == attempt_ && r) on_answer(index, r, errors);
                   });
}

void sentinel_client::on_answer(std::size_t index, redisReply* r, std::string errors) {
    auto const& sentinel = settings_.sentinels[index];
    redis_endpoint master;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2)
        master = {std::string(text_of(r->element[0])), port_of(text_of(r->element[1]))};
    if (master.host.empty() || master.port == 0) {
        auto why = r->type == REDIS_REPLY_ERROR ? std::string(text_of(r)) + " (check --redis-sentinel-user/password)"
                                                : std::string("does not know it");
        return ask(index + 1, errors + "; " + name_of(sentinel) + ": " + why);
    }
    if (!master_.host.empty() && master != master_)  // watching again, and the master moved meanwhile
        return changed_("Sentinel names another master: " + name_of(master));
    link_->subscribe({"+switch-master"}, [this](redisReply* m) { on_message(m); });
    if (!master_.host.empty()) return;  // watching again: the engine has the master already
    master_ = master;
    found_(master_, "");
}

void sentinel_client::stop_watching(std::string const& why) {
    logger_for("signalling")
        ->warn("redis backend: no Sentinel left to watch for +switch-master ({}); ROLE still checks the master",
               why.size() > 2 ? why.substr(2) : why);
}

// ["message", "+switch-master", "<name> <old ip> <old port> <new ip> <new port>"]
void sentinel_client::on_message(redisReply* r) {
    if (r->elements < 3 || text_of(r->element[0]) != "message") return;
    auto payload = std::string(text_of(r->element[2]));
    if (!payload.starts_with(settings_.master_name + " ")) return;
    ++attempt_;  // what follows on this link no longer matters
    link_->close();
    changed_("Sentinel switched the master: " + payload);
}

}  // namespace star::server::redis
