// One Engine.IO session, whatever carries it: a WebSocket, long-polling requests, or polling
// then a WebSocket after the upgrade. It is the hub's client_link and owns every per-session
// rule: the Engine.IO/Socket.IO state (session_protocol), the upgrade (upgrade_handshake),
// the bounded send queue and its share of --memory-budget, the ping limit, the takeover's
// liveness probe, the timers, the registration and the counters. Its transports
// (session_transport: websocket_transport, polling_transport) only move bytes: packets in,
// packets out. All state is touched on executor() only, where its transports run too.
// Split: engineio_session.cpp (life, queue, hub), engineio_session_limits.cpp (budget, pings,
// probe, timer), engineio_session_upgrade.cpp (the switch of transport).
#pragma once

#include "protocol/engineio.hpp"
#include "transport/memory_budget.hpp"
#include "transport/server_context.hpp"
#include "transport/session_base.hpp"
#include "transport/session_protocol.hpp"
#include "transport/session_transport.hpp"
#include "transport/upgrade_handshake.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace star::server {

class polling_transport;

class engineio_session : public session_base,
                         public session_protocol_events,
                         public std::enable_shared_from_this<engineio_session> {
public:
    // `client`: the address the session's first request came from ("ip:port"), for its log lines.
    engineio_session(boost::asio::any_io_executor executor, protocol::engineio::version v, server_context& ctx,
                     std::string client);

    // Opening, on executor(): the session registers, counts itself and sends the open packet.
    void open_polling(std::shared_ptr<polling_transport> polling);
    // A WebSocket, once its 101 is written: it opens a new session, or is the candidate of a
    // polling session's upgrade, refused (and closed) when the session has ended or is
    // upgrading already.
    void attach_websocket(session_transport& websocket);

    // From the transports, on executor(): what the client sent, and signs of life.
    void on_text(session_transport& from, std::string_view packet);
    void on_binary(session_transport& from);
    void on_alive();                             // any byte or request from the client
    void on_backlog_drained();                   // a write that waited on the kernel went on
    bool allow_ping();                           // a WebSocket ping, against --max-pings-per-second
    void account();                              // a transport's held() changed
    void stop_sending(session_transport& from);  // it began a WebSocket closing handshake
    void transport_closed(session_transport& t);
    void close(std::string_view why, close_kind kind = close_kind::abort);
    std::string const& client() const { return client_; }
    // The client_gate let this session open: it holds its address's slot until it ends, and its
    // joins count against that address.
    void admitted(admission::ip_address client, admission::address_limits::slot slot);

    // The send queue, which transports take from; each packet taken is reported sent (counted,
    // its latency observed) or discarded, and until then counts as queued.
    bool has_queued() const { return !queue_.empty(); }
    // Moves the oldest queued packet into `out`; false when none is queued.
    bool take_queued(outgoing& out);
    void sent(outgoing const& packet);
    void discard(outgoing const& packet);
    bool upgrade_probed() const { return upgrade_.probed(); }
    bool upgraded() const { return upgrade_.upgraded(); }
    bool finished() const { return finished_; }

    std::string const& sid() const { return protocol_.sid(); }
    protocol::engineio::version version() const { return protocol_.version(); }
    server_context& context() { return ctx_; }

    // client_link (any thread, but deliver on executor())
    boost::asio::any_io_executor executor() override { return executor_; }
    void deliver(frame_ptr frame, steady_time received) override { enqueue({std::move(frame), received}); }
    void deliver_framed(frame_ptr frames, std::uint32_t count) override { enqueue({std::move(frames), {}, count}); }
    void drop(std::string_view why) override;
    void probe(std::function<void(bool alive)> done) override;
    void close_going_away() override;

private:
    // session_protocol_events
    void send_packet(std::string packet) override { enqueue({make_frame(std::move(packet)), {}}); }
    void close_session(std::string_view why, bool policy_violation) override;
    void join(protocol::star_address address, std::optional<std::uint64_t> ack_id) override;
    void leave() override;
    void handshake(routed_handshake h) override;
    void left_namespace() override;

    void open(session_transport& transport, bool polling);
    void enqueue(outgoing packet);
    void schedule_flush();
    void finish(std::string_view why, close_kind transport_close = close_kind::abort);
    void log_closing(std::string_view why) const;

    // engineio_session_limits.cpp
    void start_probe(std::function<void(bool alive)> done);
    void finish_probe(bool alive);
    void arm_timer();  // at the earliest of the protocol's, the upgrade's and the probe's deadlines
    void on_timer();

    // engineio_session_upgrade.cpp
    void offer_websocket(session_transport& websocket);
    void on_upgrade_step(upgrade_handshake::step step);
    void switch_transport();

    boost::asio::any_io_executor executor_;
    server_context& ctx_;
    std::string client_;
    std::optional<admission::ip_address> client_ip_;  // unset: not admitted by the gate (unit tests)
    admission::address_limits::slot address_slot_;
    session_protocol protocol_;
    upgrade_handshake upgrade_;
    // A WebSocket lives as long as an operation of its own is pending, and says when it ends
    // (transport_closed); the polling transport is owned here (its requests hold it only while
    // they are handled), also after the upgrade, until the session ends.
    session_transport* transport_ = nullptr;  // what carries the session now
    session_transport* candidate_ = nullptr;  // the WebSocket being probed for the upgrade
    std::shared_ptr<polling_transport> polling_;
    bool opened_ = false;
    bool finished_ = false;
    bool sending_ = true;  // false once the transport closes: nothing more is queued

    std::deque<outgoing> queue_;
    std::size_t queued_bytes_ = 0;  // in queue_ and taken by the transport, not yet sent
    bool flush_scheduled_ = false;
    budget_share budget_;

    boost::asio::steady_timer timer_;
    steady_time timer_at_ = steady_time::max();

    std::vector<std::function<void(bool)>> probe_waiters_;
    steady_time probe_deadline_ = steady_time::max();
    bool probe_backlogged_ = false;  // a write was waiting on the kernel when the probe began
};

}  // namespace star::server
