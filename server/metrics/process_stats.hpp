// What the kernel says about this process, for /metrics and the status page.
#pragma once

#include <cstdint>

namespace star::server {

struct process_stats {
    std::uint64_t resident_bytes = 0;
    std::uint64_t virtual_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;
    double cpu_seconds = 0;
};

process_stats read_process_stats();

}  // namespace star::server
