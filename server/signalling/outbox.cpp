#include "signalling/outbox.hpp"

#include <boost/asio/dispatch.hpp>

namespace star::server {
namespace net = boost::asio;

void outbox::send(link_ptr const& to, frame_ptr frame, steady_time received) {
    batch_for(to).push_back({to, std::move(frame), received, 0});
}

void outbox::send_framed(link_ptr const& to, frame_ptr frames, std::uint32_t count) {
    batch_for(to).push_back({to, std::move(frames), {}, count});
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
            for (auto& i : items) {
                if (i.framed) i.link->deliver_framed(std::move(i.frame), i.framed);
                else i.link->deliver(std::move(i.frame), i.received);
            }
        });
    }
}

}  // namespace star::server
