// The small driver beneath the federation shell (federation_shell.hpp): what the shell needs of an
// engine that carries envelopes between servers (nwaku's REST API, Redis pub/sub), and what an
// engine tells the shell. An engine connects to its relay, turns an envelope into its wire form,
// sends it and says how that went, and hands up what it receives; every rule around that (presence,
// ordering, retries, give-up answers, re-announce, shutdown, backoff, counting) is the shell's.
//
// Everything here is called on the shell's backend thread, except where it says "any thread".
#pragma once

#include "protocol/federation_envelope.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace star::server::shell {

// How one transmission of an envelope ended, as the engine saw it. The retry policy
// (publish_policy.hpp) decides from it whether the same bytes go again.
enum class publish_outcome {
    delivered,    // the relay took it
    no_receiver,  // the relay took it and says nobody got it (Redis: PUBLISH answered 0): that server is gone
    refused,      // this envelope can never go (refused by nwaku, the engine's own queue full): never sent again
    not_sent,     // certainly not delivered, and it may go later (a Redis error reply)
    unknown,      // the link failed while it was out: it may or may not have been delivered
};

struct publish_result {
    publish_outcome outcome = publish_outcome::delivered;
    std::string_view dropped = {};  // for `refused`: the federation_dropped reason (a static string)
};

// An envelope in an engine's wire form: made once, sent as is on every attempt (so that a relay that
// deduplicates sees one message).
struct wire_message {
    std::string bytes;
    std::string to;            // the receiving server of a signal; empty for presence, join and leave
    std::string_view refused;  // not empty: the envelope cannot go, and this is the federation_dropped reason
};

// How soon to try the relay again after a loss.
enum class reconnect_pace {
    backoff,  // 100 ms, doubling to 5 s: the relay is away or restarting
    slowest,  // 5 s at once: nothing changes until the operator acts (a wrong URL, relay disabled)
};

// What an engine reports. Implemented by the shell; called on the backend thread.
class engine_events {
public:
    // Connected (and subscribed): federation is up. `how` completes "<engine> backend: <how>, federation up".
    virtual void link_up(std::string_view how) = 0;
    // The relay cannot be reached or used; the shell calls engine::connect again after a backoff. The
    // reason is what /readyz says until the link is up again.
    virtual void link_lost(std::string reason, reconnect_pace pace = reconnect_pace::backoff) = 0;
    // The relay is reachable but says it cannot reach the other servers (nwaku without relay peers);
    // nullopt once it can. /readyz says so meanwhile.
    virtual void relay_problem(std::optional<std::string> reason) = 0;
    // An envelope that passed the engine's own checks (decoding; for Waku the federation gate).
    virtual void received(protocol::federation::envelope e) = 0;

protected:
    ~engine_events() = default;
};

class engine {
public:
    using publish_done = std::function<void(publish_result)>;

    virtual ~engine() = default;
    // Any thread.
    virtual char const* name() const = 0;  // "waku", "redis": the backend's name and its log lines' prefix
    virtual std::string const& server_id() const = 0;
    // Whether an envelope sent twice reaches its receiver once (Waku relay drops an identical message;
    // the receiver's replay guard drops a repeated id). Only then is an `unknown` outcome retried.
    virtual bool repeats_are_harmless() const = 0;
    // Why federation cannot work beyond the link itself (the Waku trust list's problem), for /readyz.
    virtual std::optional<std::string> problem() const { return std::nullopt; }
    // SIGHUP, on the signal thread: re-read what the operator may change while running. Returns the
    // servers no longer trusted (the Waku trust list's removed keys): the shell forgets their peers.
    virtual std::vector<std::string> reload() { return {}; }
    // Once, on the starting thread before the backend thread runs: who we are, where the relay is.
    virtual void log_start() const = 0;

    // Connect, or connect again after link_lost: report link_up or link_lost when known.
    virtual void connect() = 0;
    // The wire form of an envelope (from, id and ts are set), or why it cannot go.
    virtual wire_message encode(protocol::federation::envelope const& e) = 0;
    // Send one; `done` is called exactly once, perhaps before transmit returns, unless close() came
    // first. `m` stays valid until `done` is called (or destroyed uncalled), not after.
    virtual void transmit(wire_message const& m, publish_done done) = 0;
    // A cross-server handshake is likely soon (an engine that polls polls faster for a while).
    virtual void traffic_likely() {}
    // Shutdown, step 1: nothing received reaches the shell from now on; publishing still works.
    virtual void stop_receiving() = 0;
    // Last: every connection closed; no callback of the engine's runs after this.
    virtual void close() = 0;
};

// What an engine is built with: the shell's backend thread's context (its timers and sockets live
// there) and the shell, to report to.
struct engine_context {
    boost::asio::io_context& io;
    engine_events& events;
};
using engine_factory = std::function<std::unique_ptr<engine>(engine_context)>;

}  // namespace star::server::shell
