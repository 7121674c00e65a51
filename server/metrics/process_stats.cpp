#include "metrics/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace star::server {

process_stats read_process_stats() {
    process_stats s;
    long page = sysconf(_SC_PAGESIZE);
    {
        std::ifstream statm("/proc/self/statm");
        std::uint64_t size = 0, resident = 0;
        if (statm >> size >> resident) {
            s.virtual_bytes = size * static_cast<std::uint64_t>(page);
            s.resident_bytes = resident * static_cast<std::uint64_t>(page);
        }
    }
    {
        std::ifstream stat("/proc/self/stat");
        std::string line;
        std::getline(stat, line);
        // Fields after the command name, which is in parentheses and may contain spaces.
        auto close = line.rfind(')');
        if (close != std::string::npos) {
            std::istringstream rest(line.substr(close + 2));
            std::string field;
            unsigned long utime = 0, stime = 0;
            for (int i = 3; i <= 15 && rest >> field; ++i) {
                if (i == 14) utime = std::stoul(field);
                if (i == 15) stime = std::stoul(field);
            }
            s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
        }
    }
    if (DIR* d = opendir("/proc/self/fd")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++s.open_fds;
        closedir(d);
        if (s.open_fds > 0) --s.open_fds;  // the directory stream itself
    }
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) s.max_fds = rl.rlim_cur;
    return s;
}

}  // namespace star::server
