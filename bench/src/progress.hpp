#pragma once
// Progress on stderr while a run goes: one line redrawn in place on a
// terminal, or (--progress lines) one line a second, which bench/compare reads.

#include <ostream>
#include <string_view>

#include "stats.hpp"

namespace webrtc_star::bench {

// The progress line redrawn in place on a terminal.
void print_live_progress(std::ostream& out, std::string_view stage, double elapsed_s, snapshot const& totals,
                         snapshot const& last_second);
// One progress line (stderr) from a tick.
void print_progress(std::ostream& out, std::string_view stage, double elapsed_s, snapshot const& totals,
                    snapshot const& last_second);

}  // namespace webrtc_star::bench
