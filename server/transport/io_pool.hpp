// One io_context per thread. A connection lives on one context for its whole life, so its
// handlers never race and need no strand.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace star::server {

class io_pool {
public:
    explicit io_pool(unsigned threads);
    ~io_pool();

    // The context for the next connection, round-robin.
    boost::asio::io_context& next();
    boost::asio::io_context& first() { return *contexts_.front(); }

    void start();
    void stop();
    void join();

private:
    using work_guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<work_guard> guards_;
    std::vector<std::thread> threads_;
    std::size_t next_ = 0;
};

}  // namespace star::server
