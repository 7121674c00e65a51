#include "backends/redis/redis_engine.hpp"

#include "backends/shell/federation_shell.hpp"
#include "logger.hpp"

#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

#include <fstream>
#include <sstream>

namespace star::server::redis {
namespace net = boost::asio;
namespace fed = protocol::federation;
using shell::publish_outcome;

namespace {

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

std::string read_password_file(std::string const& path) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument("cannot read --redis-password-file '" + path + "'");
    std::stringstream text;
    text << in.rdbuf();
    std::string password = text.str();
    if (!password.empty() && password.back() == '\n') password.pop_back();
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

// rediss://: verify Redis' certificate against --redis-tls-ca-file or the system store; show ours if set.
std::shared_ptr<net::ssl::context> make_tls_context(config const& cfg) {
    auto tls = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    auto load = [](char const* setting, std::string const& file, auto&& step) {
        boost::system::error_code ec;
        step(ec);
        if (ec) throw std::invalid_argument(std::string("cannot use ") + setting + " '" + file + "': " + ec.message());
    };
    tls->set_verify_mode(net::ssl::verify_peer);
    if (cfg.redis_tls_ca_file.empty()) tls->set_default_verify_paths();
    else
        load("--redis-tls-ca-file", cfg.redis_tls_ca_file,
             [&](auto& ec) { tls->load_verify_file(cfg.redis_tls_ca_file, ec); });
    if (cfg.redis_tls_cert_file.empty() != cfg.redis_tls_key_file.empty())
        throw std::invalid_argument("--redis-tls-cert-file and --redis-tls-key-file go together");
    if (!cfg.redis_tls_cert_file.empty()) {
        load("--redis-tls-cert-file", cfg.redis_tls_cert_file,
             [&](auto& ec) { tls->use_certificate_chain_file(cfg.redis_tls_cert_file, ec); });
        load("--redis-tls-key-file", cfg.redis_tls_key_file,
             [&](auto& ec) { tls->use_private_key_file(cfg.redis_tls_key_file, net::ssl::context::pem, ec); });
    }
    return tls;
}

std::string_view text_of(redisReply const* r) { return r && r->str ? std::string_view(r->str, r->len) : ""; }

}  // namespace

std::unique_ptr<backend> make_redis_backend(config const& cfg, metrics& m, std::string server_id) {
    return std::make_unique<shell::federation_shell>(m, [&](shell::engine_context ctx) {
        return std::make_unique<redis_engine>(ctx, cfg, m, std::move(server_id));
    });
}

redis_engine::redis_engine(shell::engine_context ctx, config const& cfg, metrics& m, std::string server_id)
    : io_(ctx.io),
      events_(ctx.events),
      cfg_(cfg),
      metrics_(m),
      server_id_(std::move(server_id)),
      url_(parse_redis_url(cfg.redis_url)),
      presence_channel_(cfg.redis_channel_prefix + ":presence"),
      signal_channel_(cfg.redis_channel_prefix + ":signal:" + server_id_),
      watchdog_timer_(ctx.io) {
    if (!cfg.redis_password.empty()) url_.password = cfg.redis_password;
    if (!cfg.redis_password_file.empty()) url_.password = read_password_file(cfg.redis_password_file);
    if (url_.tls) tls_ = make_tls_context(cfg);
    sentinel_settings_.sentinels = parse_sentinels(cfg.redis_sentinels);
    if (sentinel_settings_.sentinels.empty()) master_ = {url_.host, url_.port};
    else {
        sentinel_settings_.master_name = cfg.redis_master_name;
        if (!cfg.redis_sentinel_password.empty()) {
            if (cfg.redis_sentinel_user.empty()) sentinel_settings_.auth = {"AUTH", cfg.redis_sentinel_password};
            else sentinel_settings_.auth = {"AUTH", cfg.redis_sentinel_user, cfg.redis_sentinel_password};
        }
        sentinel_settings_.tls = tls_;
        sentinel_settings_.tls_server_name = cfg.redis_tls_server_name;
        sentinel_ = std::make_unique<sentinel_client>(io_.get_executor(), sentinel_settings_);
    }
}

redis_engine::~redis_engine() = default;

void redis_engine::log_start() const {
    if (sentinel_)
        log()->info("redis backend: server {} on master '{}' of Sentinels {} ({}; channels {} and {})", server_id_,
                    cfg_.redis_master_name, cfg_.redis_sentinels, masked(url_), presence_channel_, signal_channel_);
    else
        log()->info("redis backend: server {} on {} (channels {} and {})", server_id_, masked(url_), presence_channel_,
                    signal_channel_);
}

std::string redis_engine::where() const {
    auto at = url_;
    at.host = master_.host;
    at.port = master_.port;
    return sentinel_ ? "the master " + masked(at) + " (from Sentinel)" : masked(at);
}

std::vector<std::string> redis_engine::auth_command() const {
    if (url_.user.empty()) return {"AUTH", url_.password};
    return {"AUTH", url_.user, url_.password};
}

// With Sentinels, ask them first; then both links to the master.
void redis_engine::connect() {
    auto generation = ++generation_;
    subscribed_ = publisher_ready_ = ping_outstanding_ = false;
    connecting_since_ = std::chrono::steady_clock::now();
    schedule_watchdog();
    if (!sentinel_) return open_links(generation);
    sentinel_->find(
        [this, generation](redis_endpoint master, std::string error) {
            if (generation != generation_) return;
            if (master.host.empty()) return on_lost(generation, error);
            // Counted however the move was learnt: +switch-master, or asking again after a loss.
            if (!master_.host.empty() && master != master_) {
                inc(metrics_.redis_failovers);
                log()->warn("redis backend: the master of '{}' is now {}:{}", cfg_.redis_master_name, master.host,
                            master.port);
            }
            master_ = master;
            open_links(generation);
        },
        [this, generation](std::string reason) {
            if (generation == generation_) on_lost(generation, reason);
        });
}

// AUTH and SELECT are pipelined before SUBSCRIBE and ROLE, so each link is ready after one round trip.
void redis_engine::open_links(std::uint64_t generation) {
    confirmations_ = 2;
    subscriber_ = std::make_shared<redis_link>(io_.get_executor());
    publisher_ = std::make_shared<redis_link>(io_.get_executor());
    auto lost = [this, generation](std::string reason) { on_lost(generation, std::move(reason)); };
    link_target target{master_.host, master_.port, tls_, cfg_.redis_tls_server_name};
    subscriber_->open(target, lost);
    publisher_->open(target, lost);
    auto check = [this](char const* what, char const* setting) {
        return [this, what, setting](redisReply* r) {
            if (r && r->type == REDIS_REPLY_ERROR)
                fail(std::string("Redis refused ") + what + ": " + std::string(text_of(r)) + " (check " + setting +
                     ")");
        };
    };
    for (auto const& link : {subscriber_, publisher_})
        if (!url_.password.empty())
            link->command(auth_command(), check("AUTH",
                                                "the user and password of --redis-url, --redis-password or "
                                                "--redis-password-file"));
    if (url_.db != 0)
        publisher_->command({"SELECT", std::to_string(url_.db)}, check("SELECT", "--redis-url's database"));
    subscriber_->subscribe({presence_channel_, signal_channel_}, [this](redisReply* r) { on_subscriber_reply(r); });
    check_role([this] {
        publisher_ready_ = true;
        on_link_ready();
    });
}

// ROLE, where the user may ask it: pub/sub on a replica reaches only that replica's subscribers, so a
// master turned replica under us (a failover, REPLICAOF) is a lost link. A user without ROLE gets PING.
void redis_engine::check_role(std::function<void()> on_master) {
    auto on_reply = [this, on_master = std::move(on_master)](redisReply* r) {
        if (!r) return;  // the loss says why
        if (r->type == REDIS_REPLY_ERROR && text_of(r).starts_with("NOPERM") && role_allowed_) {
            role_allowed_ = false;
            log()->info("redis backend: the user may not ask ROLE; a master turned replica is seen by READONLY only");
            return on_master();
        }
        if (r->type == REDIS_REPLY_ERROR) return;  // AUTH's check says why
        if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 && text_of(r->element[0]) != "master")
            return fail(where() + " is a " + std::string(text_of(r->element[0])) + ", not a master (READONLY)");
        on_master();
    };
    publisher_->command({role_allowed_ ? "ROLE" : "PING"}, on_reply);
}

void redis_engine::on_link_ready() {
    if (up()) events_.link_up("connected to " + where());
}

void redis_engine::fail(std::string reason) {
    net::post(io_, [this, generation = generation_, reason = std::move(reason)] { on_lost(generation, reason); });
}

void redis_engine::on_lost(std::uint64_t generation, std::string reason) {
    if (generation != generation_ || !receiving_) return;  // already handled, or stopping
    ++generation_;
    subscribed_ = publisher_ready_ = false;
    watchdog_timer_.cancel();
    // What was published and not yet answered fails here (the shell answers its offers).
    if (subscriber_) subscriber_->close();
    if (publisher_) publisher_->close();
    if (sentinel_) sentinel_->close();
    events_.link_lost("Redis at " + where() + " unreachable: " + reason);
}

// Redis may hang without closing (stopped, swapping, overloaded): a connection not ready
// within --redis-timeout, or a PING (ROLE) unanswered that long, counts as lost.
void redis_engine::schedule_watchdog() {
    watchdog_timer_.expires_after(std::min(std::chrono::milliseconds(1000), cfg_.redis_timeout / 3));
    watchdog_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && receiving_) on_watchdog();
    });
}

void redis_engine::on_watchdog() {
    auto now = std::chrono::steady_clock::now();
    if (!up() && now - connecting_since_ > cfg_.redis_timeout)
        return on_lost(generation_, "not ready within --redis-timeout");
    if (up() && ping_outstanding_ && now - ping_sent_ > cfg_.redis_timeout)
        return on_lost(generation_, "a PING was not answered within --redis-timeout");
    if (up() && !ping_outstanding_) {
        ping_outstanding_ = true;
        ping_sent_ = now;
        check_role([this] { ping_outstanding_ = false; });
    }
    schedule_watchdog();
}

// ["subscribe", channel, count] once per channel, then ["message", channel, payload].
void redis_engine::on_subscriber_reply(redisReply* r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return metrics_.federation_dropped.inc("bad_message");
    auto kind = text_of(r->element[0]);
    if (kind == "subscribe") {
        if (--confirmations_ == 0) {
            subscribed_ = true;
            on_link_ready();
        }
        return;
    }
    if (kind != "message") return;
    auto decoded = fed::decode(text_of(r->element[2]));
    if (!decoded.value) return metrics_.federation_dropped.inc(decoded.error);
    events_.received(std::move(*decoded.value));
}

// One message on the wire is the envelope's text, on the presence channel or the receiver's.
shell::wire_message redis_engine::encode(fed::envelope const& e) {
    shell::wire_message out;
    out.bytes = fed::encode(e);
    if (out.bytes.size() > fed::max_envelope_size) out.refused = "too_large";
    if (e.is_signal()) out.to = e.to;
    return out;
}

void redis_engine::transmit(shell::wire_message const& m, publish_done done) {
    auto channel = m.to.empty() ? presence_channel_ : cfg_.redis_channel_prefix + ":signal:" + m.to;
    auto on_reply = [this, done](redisReply* r) {
        if (!r) return done({publish_outcome::unknown});  // the connection went with it
        if (r->type != REDIS_REPLY_INTEGER) {             // Redis refused it
            if (text_of(r).starts_with("READONLY")) fail(where() + " answered READONLY: no longer the master");
            return done({publish_outcome::not_sent});
        }
        // Nobody subscribes to that server's channel: it is gone.
        done({r->integer == 0 ? publish_outcome::no_receiver : publish_outcome::delivered});
    };
    if (!publisher_ || !publisher_->command({"PUBLISH", channel, m.bytes}, on_reply)) done({publish_outcome::not_sent});
}

// Shutdown, step 1: nothing from Redis reaches the shell any more; the publisher stays for the
// last leaves.
void redis_engine::stop_receiving() {
    receiving_ = false;
    watchdog_timer_.cancel();
    if (subscriber_) subscriber_->close();
    subscribed_ = false;
}

void redis_engine::close() {
    stop_receiving();
    if (publisher_) publisher_->close();
}

}  // namespace star::server::redis
