#include "transport/io_pool.hpp"

namespace star::server {

io_pool::io_pool(unsigned threads) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
    }
}

io_pool::~io_pool() {
    stop();
    join();
}

boost::asio::io_context& io_pool::next() {
    auto& c = *contexts_[next_];
    next_ = (next_ + 1) % contexts_.size();
    return c;
}

void io_pool::start() {
    for (auto& c : contexts_) threads_.emplace_back([&c] { c->run(); });
}

void io_pool::stop() {
    for (auto& c : contexts_) c->stop();
}

void io_pool::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

}  // namespace star::server
