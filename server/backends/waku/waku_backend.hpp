// Federation over Waku relay through a co-located nwaku node's REST API.
//
// Subscribes to the pubsub topic, polls GET /relay/v1/messages/{topic} every poll interval
// (nwaku has no push; a GET returns what arrived since the last one and clears it), and
// publishes envelopes (protocol/federation_envelope.hpp) with POST /relay/v1/messages/{topic}.
// Runs on its own thread; when nwaku is unreachable it reports itself degraded, retries with
// backoff and recovers by itself, while local signalling carries on untouched.
#pragma once

#include "backends/waku/rest_client.hpp"
#include "config/config.hpp"
#include "metrics/metrics.hpp"
#include "protocol/federation_envelope.hpp"
#include "signalling/backend.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace star::server::waku {

class waku_backend : public backend {
public:
    waku_backend(config const& cfg, metrics& m, std::string server_id);
    ~waku_backend() override;

    char const* name() const override { return "waku"; }
    bool federated() const override { return true; }
    std::string const& server_id() const override { return server_id_; }
    void start(backend_events& events) override;
    void stop() override;
    void announce(presence_change change, std::vector<std::string> peer_ids) override;
    void send(remote_signal signal) override;
    std::optional<std::string> degraded() const override;

private:
    void do_subscribe();
    void schedule_poll(std::chrono::milliseconds delay);
    void do_poll();
    void on_messages(std::string const& body);
    void on_envelope(protocol::federation::envelope e);
    void publish(protocol::federation::envelope e);
    void flush_announcements();
    void set_degraded(std::string reason);
    void set_healthy();
    std::chrono::milliseconds next_backoff();
    bool seen(std::string const& id);
    std::string new_envelope_id();

    config const& cfg_;
    metrics& metrics_;
    std::string server_id_;
    std::string topic_path_;  // the pubsub topic, URL-encoded
    std::string presence_topic_, signal_topic_;
    std::string base_path_;   // path part of --waku-rest-url

    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    std::shared_ptr<rest_client> poller_, publisher_;
    boost::asio::steady_timer poll_timer_, flush_timer_;
    backend_events* events_ = nullptr;
    bool subscribed_ = false;
    std::chrono::milliseconds backoff_{0};
    std::vector<std::pair<presence_change, std::string>> pending_;  // announcements to coalesce
    bool flush_scheduled_ = false;
    std::deque<std::string> seen_order_;
    std::unordered_set<std::string> seen_;
    std::uint64_t next_id_ = 0;

    mutable std::mutex health_mutex_;
    std::optional<std::string> degraded_ = std::string("not yet subscribed to nwaku");
};

}  // namespace star::server::waku
