// One Waku message, both ways: an envelope sealed into the body of a REST publish, and a polled
// message opened back into an envelope through the federation gate. Everything about the wire form
// of a message (its fields, its topic, its payload) is here and nowhere else.
#include "backends/waku/waku_engine.hpp"

#include "clock.hpp"
#include "logger.hpp"
#include "protocol/base64.hpp"
#include "protocol/json_scan.hpp"

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

namespace star::server::waku {
namespace http = boost::beast::http;
namespace fed = protocol::federation;
using shell::publish_outcome;

namespace {

std::shared_ptr<spdlog::logger> const& log() { return logger_for("signalling"); }

}  // namespace

// The REST body of a publish: the sealed envelope (signed; a signal encrypted to its destination's
// key, the trust list's, else the one its id is) on the presence or the signal content topic.
shell::wire_message waku_engine::encode(fed::envelope const& e) {
    shell::wire_message out;
    std::vector<std::uint8_t> sealed;
    try {
        // Nothing is sealed to a server the trust list does not hold (a revoked key): given up.
        auto sealed_for = sealer_.seal_for(e, trust_.get());
        if (!sealed_for) {
            metrics_.federation_refused.inc("untrusted_to");
            out.refused = "untrusted_to";
            return out;
        }
        sealed = std::move(*sealed_for);
    } catch (std::invalid_argument const& error) {
        log()->debug("waku backend: cannot seal an envelope: {}", error.what());
        out.refused = "other";
        return out;
    }
    if (sealed.size() > max_envelope_) {
        out.refused = "too_large";  // larger than nwaku's --max-msg-size allows
        return out;
    }
    if (e.is_signal()) gate_.remember_own_signal(sealed);  // for when the relay hands it back
    if (e.is_signal()) out.to = e.to;
    std::string_view text(reinterpret_cast<char const*>(sealed.data()), sealed.size());
    out.bytes = "{\"payload\":\"" + protocol::base64_encode(text) + "\",\"version\":1,\"contentTopic\":";
    protocol::json::append_quoted(out.bytes, e.is_signal() ? signal_topic_ : presence_topic_);
    // A signal's recipient tag, for nwaku that knows `meta` (it predates `ephemeral`): the other
    // servers skip a signal not tagged for them before any ECDH.
    if (auto meta = e.is_signal() && send_ephemeral_ ? gate_.signal_meta(e.to, sealed) : std::vector<std::uint8_t>();
        !meta.empty())
        out.bytes +=
            ",\"meta\":\"" + protocol::base64_encode({reinterpret_cast<char const*>(meta.data()), meta.size()}) + "\"";
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
    // The timestamp is fixed here, so a retry is the same Waku message (the same hash).
    out.bytes += ",\"timestamp\":" + std::to_string(ns.count());
    out.bytes += send_ephemeral_ ? ",\"ephemeral\":true}" : "}";
    return out;
}

void waku_engine::transmit(shell::wire_message const& m, publish_done done) {
    bool queued = publisher_->request(http::verb::post, base_path_ + "/relay/v1/messages/" + topic_path_, m.bytes,
                                      [this, done](rest_response r) { done(result_of(r)); }, {true, 1024 * 1024});
    if (!queued) done({publish_outcome::refused, "queue_full"});
}

shell::publish_result waku_engine::result_of(rest_response const& r) {
    if (r.error) return {publish_outcome::unknown};
    switch (auto answer = classify_relay_answer(r.status, r.body)) {
        case relay_answer::ok:
            return {publish_outcome::delivered};
        case relay_answer::message_refused:
            // About this message alone (too large, RLN limit, a field this nwaku does not know):
            // counted, not a reason to call the whole backend degraded.
            log()->warn("waku backend: nwaku refused a message: HTTP {} {}", r.status, r.body);
            return {publish_outcome::refused, "refused_by_nwaku"};
        case relay_answer::failed:
            return {publish_outcome::unknown};  // a 5xx: perhaps relayed in part
        case relay_answer::not_subscribed:
        case relay_answer::initialising:
        case relay_answer::relay_disabled:
        case relay_answer::wrong_base_path:
            subscribed_ = false;
            lost(answer, r.body, "a publish");
            return {publish_outcome::not_sent};
    }
    return {publish_outcome::unknown};
}

void waku_engine::on_messages(std::string const& body) {
    auto messages = nlohmann::json::parse(body, nullptr, false);
    if (!messages.is_array()) {
        metrics_.federation_dropped.inc("bad_message");
        return;
    }
    for (auto const& m : messages) on_message(m);
}

void waku_engine::on_message(nlohmann::json const& m) {
    if (!m.is_object() || !m.contains("payload") || !m["payload"].is_string() || !m.contains("contentTopic") ||
        !m["contentTopic"].is_string())
        return metrics_.federation_dropped.inc("bad_message");
    auto const& topic = m["contentTopic"].get_ref<std::string const&>();
    if (topic != presence_topic_ && topic != signal_topic_) return;  // someone else's traffic
    std::uint64_t version = 0;                                       // nwaku leaves it out when it is 0
    if (auto v = m.find("version"); v != m.end() && v->is_number_unsigned()) version = v->get<std::uint64_t>();
    auto payload = protocol::base64_decode(m["payload"].get_ref<std::string const&>());
    if (!payload) return metrics_.federation_dropped.inc("bad_message");
    auto bytes = std::span(reinterpret_cast<std::uint8_t const*>(payload->data()), payload->size());
    std::optional<std::string> meta;  // a signal's recipient tag: the gate skips others' before decrypting
    if (auto t = m.find("meta"); t != m.end() && t->is_string())
        meta = protocol::base64_decode(t->get_ref<std::string const&>());
    auto tag = meta ? std::span(reinterpret_cast<std::uint8_t const*>(meta->data()), meta->size())
                    : std::span<std::uint8_t const>();
    if (auto e = gate_.admit(bytes, version, topic == signal_topic_, now_ms(), tag)) events_.received(std::move(*e));
}

}  // namespace star::server::waku
