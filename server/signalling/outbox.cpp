#include "signalling/outbox.hpp"

#include <boost/asio/dispatch.hpp>

namespace star::server {
namespace net = boost::asio;

void outbox::send(link_ptr const& to, frame_ptr frame, steady_time received) {
    batch_for(to).push_back({to, std::move(frame), received});
}

void outbox::send_many(link_ptr const& to, std::vector<frame_ptr> frames) {
    auto& items = batch_for(to);
    for (auto& f : frames) items.push_back({to, std::move(f), {}});
}

std::vector<outbox::item>& outbox::batch_for(link_ptr const& to) {
    auto executor = to->executor();
    for (auto& b : batches_)
        if (b.executor == executor) return b.items;
    return batches_.emplace_back(thread_batch{std::move(executor), {}}).items;
}

void outbox::deliver(handover batches) {
    for (auto& b : batches) {
        // Inline when the caller runs on that thread already, else one post.
        net::dispatch(b.executor, [items = std::move(b.items)]() mutable {
            for (auto& i : items) i.link->deliver(std::move(i.frame), i.received);
        });
    }
}

}  // namespace star::server
