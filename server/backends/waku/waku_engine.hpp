// The Waku engine beneath the federation shell (backends/shell/): federation over Waku relay
// through a co-located nwaku node's REST API.
//
// connect() reads nwaku's version (which decides whether `ephemeral` may be sent) and subscribes
// to the pubsub topic; then it polls GET /relay/v1/messages/{topic} (nwaku has no push; a GET
// returns what arrived since the last one and clears it), fast while a cross-server handshake is
// in flight or likely and slower when idle (poll_pacer.hpp), and reads GET /health now and then
// (nwaku without relay peers is "not ready"). A failed poll is a lost link: the shell reconnects.
//
// One message, both ways, is in waku_messages.cpp: an envelope is signed with this server's key
// and encrypted (federation/sealer.hpp: Waku message version 1) and POSTed to
// /relay/v1/messages/{topic}; what arrives passes the gate (federation/gate.hpp: trusted signer,
// its own id, fresh, not a replay, for us) before the shell hears of it.
//
// Everything runs on the shell's backend thread, except problem() and reload() (the trust list
// has its own lock: SIGHUP reloads it from the signal thread).
#pragma once

#include "backends/shell/engine.hpp"
#include "backends/waku/nwaku_answers.hpp"
#include "backends/waku/poll_pacer.hpp"
#include "backends/waku/rest_client.hpp"
#include "config/config.hpp"
#include "federation/gate.hpp"
#include "federation/sealer.hpp"
#include "federation/trust_list.hpp"
#include "metrics/metrics.hpp"
#include "signalling/backend.hpp"

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json_fwd.hpp>

namespace star::server::waku {

// What nwaku adds around our payload in a relayed message: the other WakuMessage fields, an
// RLN proof, the relay frame. An envelope must fit in nwaku's --max-msg-size minus this.
inline constexpr std::size_t nwaku_message_overhead = 2048;

// The Waku backend: the federation shell with this engine below it. Throws std::runtime_error when
// the trust list cannot be used (start-up only).
std::unique_ptr<backend> make_waku_backend(config const& cfg, metrics& m, protocol::federation::private_key key);

class waku_engine final : public shell::engine {
public:
    waku_engine(shell::engine_context ctx, config const& cfg, metrics& m, protocol::federation::private_key key);

    char const* name() const override { return "waku"; }
    std::string const& server_id() const override { return server_id_; }
    bool repeats_are_harmless() const override { return true; }
    std::optional<std::string> problem() const override;
    std::vector<std::string> reload() override;
    void log_start() const override;

    // Connecting, health and polling (waku_engine.cpp).
    void connect() override;
    void traffic_likely() override;  // poll fast for a while
    void stop_receiving() override;
    void close() override;

    // One message, both ways (waku_messages.cpp).
    shell::wire_message encode(protocol::federation::envelope const& e) override;
    void transmit(shell::wire_message const& m, publish_done done) override;

private:
    void do_check_version();
    void do_subscribe();
    void do_check_health();
    void lost(relay_answer answer, std::string_view body, std::string_view what);
    void schedule_poll(std::chrono::milliseconds delay);
    void do_poll();

    // waku_messages.cpp: what nwaku answered a publish; a poll's messages, each through the gate.
    shell::publish_result result_of(rest_response const& r);
    void on_messages(std::string const& body);
    void on_message(nlohmann::json const& m);

    shell::engine_events& events_;
    config const& cfg_;
    metrics& metrics_;
    federation::sealer sealer_;
    std::unique_ptr<federation::trust_list> trust_;  // null in open mode
    federation::gate gate_;
    std::string server_id_;
    std::string topic_path_;  // the pubsub topic, URL-encoded
    std::string presence_topic_, signal_topic_;
    std::string base_path_;  // path part of --waku-rest-url
    std::size_t max_envelope_;

    std::shared_ptr<rest_client> poller_, publisher_;
    boost::asio::steady_timer poll_timer_, health_timer_;
    poll_pacer pacer_;
    bool subscribed_ = false;
    bool poll_in_flight_ = false;
    bool send_ephemeral_ = false;  // only to nwaku known to accept the field
    bool health_is_report_ = true;
    bool health_checked_ = false;  // the /health loop runs from the first version check on
    bool receiving_ = true;        // false once stop_receiving() ran
};

}  // namespace star::server::waku
