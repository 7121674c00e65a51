#pragma once
// SIGINT/SIGTERM end the current step early so what was measured is still
// reported. The flag is the one piece of process-global state: a signal
// handler can reach nothing else.

namespace webrtc_star::bench {

void install_interrupt_handlers();
bool interrupt_requested();

// Sleeps until `seconds` passed or an interrupt came; false on interrupt.
bool sleep_unless_interrupted(double seconds);

}  // namespace webrtc_star::bench
