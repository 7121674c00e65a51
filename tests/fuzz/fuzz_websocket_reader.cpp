// A client's raw bytes through the WebSocket reader, split at a point the input chooses:
// it must never read out of bounds, and never hand back more than a message may hold.
#include "protocol/websocket.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    namespace ws = star::protocol::websocket;
    if (size == 0) return 0;
    std::size_t split = data[0] % (size);
    std::string_view bytes(reinterpret_cast<char const*>(data + 1), size - 1);
    ws::reader r(4096);
    for (auto part : {bytes.substr(0, split), bytes.substr(std::min(split, bytes.size()))}) {
        r.feed(part);
        // The size under way is bounded by what a message may hold, whatever its header says.
        if (r.pending_message_size() > 2 * 4096 + 15) __builtin_trap();
        for (auto e = r.next(); e.type != ws::reader::kind::none && e.type != ws::reader::kind::error; e = r.next())
            if (e.payload.size() > 4096) __builtin_trap();
    }
    return 0;
}
