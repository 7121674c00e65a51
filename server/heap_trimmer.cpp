#include "heap_trimmer.hpp"

#include "logger.hpp"

#include <boost/asio/post.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace star::server {

namespace {
constexpr std::chrono::seconds look_every{1};
constexpr std::uint64_t burst_frames = 20'000;  // frames written in a second that make a burst
}  // namespace

heap_trimmer::heap_trimmer(boost::asio::any_io_executor executor, metrics const& stats)
    : timer_(std::move(executor)), stats_(stats) {}

void heap_trimmer::start() {
    boost::asio::post(timer_.get_executor(), [this] { schedule(); });
}

void heap_trimmer::stop() {
    boost::asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

void heap_trimmer::schedule() {
    timer_.expires_after(look_every);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        auto frames = stats_.frames_sent.load(std::memory_order_relaxed);
        std::uint64_t now = frames - frames_at_last_look_;
        if (frames_in_last_second_ >= burst_frames && now * 4 <= frames_in_last_second_) {
#if defined(__GLIBC__)
            malloc_trim(0);
            logger_for("main")->debug("heap trimmed after a burst of {} frames in a second", frames_in_last_second_);
#endif
        }
        frames_in_last_second_ = now;
        frames_at_last_look_ = frames;
        schedule();
    });
}

}  // namespace star::server
