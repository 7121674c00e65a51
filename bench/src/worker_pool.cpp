#include "worker_pool.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include "interrupt.hpp"

namespace webrtc_star::bench {

using namespace std::chrono_literals;

worker_pool::worker_pool(options const& cfg, std::vector<std::string> const& base_args, tick_fn on_tick)
    : cfg_(cfg), on_tick_(std::move(on_tick)), workers_(cfg.workers) {
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        auto args = base_args;
        args.push_back("--worker-index");
        args.push_back(std::to_string(i));
        spawn(i, std::move(args));
    }
}

void worker_pool::spawn(std::size_t index, std::vector<std::string> args) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
        execv("/proc/self/exe", argv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    auto& w = workers_[index];
    w.pid = pid;
    w.to_worker = in[1];
    w.from_worker = out[0];
    w.reader = std::thread([this, index] { read_lines(index); });
}

worker_pool::~worker_pool() {
    send_all("quit\n");
    for (auto& w : workers_)
        if (w.to_worker >= 0) close(w.to_worker);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (auto& w : workers_) {
        int status = 0;
        while (waitpid(w.pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                kill(w.pid, SIGKILL);
                waitpid(w.pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        if (w.reader.joinable()) w.reader.join();
        close(w.from_worker);
    }
}

void worker_pool::read_lines(std::size_t index) {
    std::string pending;
    char buf[65536];
    for (;;) {
        auto n = read(workers_[index].from_worker, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            auto body = nlohmann::json::parse(pending.substr(0, nl), nullptr, false);
            pending.erase(0, nl + 1);
            if (body.is_discarded()) continue;
            std::lock_guard lock(mutex_);
            inbox_.push_back({index, std::move(body)});
            ready_.notify_one();
        }
    }
    std::lock_guard lock(mutex_);
    inbox_.push_back({index, nullptr});
    ready_.notify_one();
}

void worker_pool::send_all(std::string const& line) {
    for (auto& w : workers_)
        if (w.to_worker >= 0 && !w.exited) (void)!write(w.to_worker, line.data(), line.size());
}

void worker_pool::emit_tick(std::string_view stage, double elapsed) {
    snapshot total;
    for (auto const& w : workers_)
        if (!w.last_totals.is_null()) total.merge(snapshot::from_json(w.last_totals));
    on_tick_(stage, elapsed, total, total.since(prev_tick_));
    prev_tick_ = total;
}

std::vector<nlohmann::json> worker_pool::gather(std::string const& type, std::string_view stage) {
    std::vector<nlohmann::json> got(workers_.size());
    std::size_t missing = workers_.size();
    auto start = std::chrono::steady_clock::now();
    auto next_tick = start + 1s;
    for (auto& w : workers_) w.fresh_tick = false;
    while (missing > 0) {
        if (interrupt_requested() && !interrupt_forwarded_) {
            interrupt_forwarded_ = true;
            for (auto& w : workers_) kill(w.pid, SIGINT);
        }
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, 50ms, [this] { return !inbox_.empty(); });
        while (!inbox_.empty()) {
            auto m = std::move(inbox_.front());
            inbox_.pop_front();
            auto& w = workers_[m.worker];
            if (m.body.is_null()) {
                w.exited = true;
                throw std::runtime_error("worker " + std::to_string(m.worker) + " exited before reporting its " + type);
            }
            auto t = m.body.value("type", "");
            if (t == "tick") {
                w.last_totals = std::move(m.body["totals"]);
                w.fresh_tick = true;
            } else if (t == type && got[m.worker].is_null()) {
                got[m.worker] = std::move(m.body);
                --missing;
            }
        }
        lock.unlock();
        // One line per second of the workers' clocks: once all have ticked,
        // or a little late if one lags.
        bool all_fresh = std::all_of(workers_.begin(), workers_.end(), [](worker const& w) { return w.fresh_tick; });
        auto now = std::chrono::steady_clock::now();
        if (all_fresh || now >= next_tick + 500ms) {
            next_tick = now + 1s;
            for (auto& w : workers_) w.fresh_tick = false;
            emit_tick(stage, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
    }
    return got;
}

setup_result worker_pool::setup() {
    setup_result r;
    for (auto const& j : gather("setup", "connect")) {
        auto s = setup_result::from_json(j);
        r.merge(s);
    }
    prev_tick_ = r.totals;
    return r;
}

phase_result worker_pool::run_phase(double rate, double seconds) {
    send_all("phase " + std::to_string(rate) + " " + std::to_string(seconds) + "\n");
    phase_result r;
    bool first = true;
    for (auto const& j : gather("phase", "load")) {
        auto p = phase_result::from_json(j);
        if (first) r = std::move(p);
        else r.merge(p);
        first = false;
    }
    r.target_rate = rate;  // every worker was told the global rate
    return r;
}

storm_result worker_pool::join_storm() { throw std::logic_error("join-storm runs in one process"); }

}  // namespace webrtc_star::bench
