// The JSON scanner against arbitrary bytes: it must never read out of bounds, and what it
// accepts must walk and unescape cleanly.
#include "protocol/json_scan.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
void walk(star::protocol::json::value const& v, int depth) {
    using namespace star::protocol::json;
    if (depth > 8) return;
    if (v.type == kind::string) {
        std::string s = unescape(v.text);
        std::string quoted;
        append_quoted(quoted, s);
        if (!scan_whole(quoted)) __builtin_trap();
    } else if (v.type == kind::array) {
        for_each_element(v, [&](value const& e) {
            walk(e, depth + 1);
            return true;
        });
    } else if (v.type == kind::object) {
        for_each_member(v, [&](std::string_view key, value const& e) {
            unescape(key);
            walk(e, depth + 1);
            return true;
        });
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view text(reinterpret_cast<char const*>(data), size);
    if (auto v = star::protocol::json::scan_whole(text)) walk(*v, 0);
    return 0;
}
