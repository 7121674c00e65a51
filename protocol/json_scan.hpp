// A strict, allocation-free JSON validator that reports where values are.
// The signalling hot path forwards a client's bytes unchanged; it only needs to
// know that they are valid JSON and where the routing fields are.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace star::protocol::json {

enum class kind { object, array, string, number, boolean, null };

// One JSON value inside a larger text: `text` is the value's exact bytes.
struct value {
    kind type;
    std::string_view text;
};

// Nesting is not limited by default: whatever JSON.parse (and so socket.io) accepts is valid
// here, however deep; the scanner keeps one bit per open container and never recurses, so
// depth is bounded by the input's size. A caller with its own rule passes a smaller limit.
inline constexpr int default_max_depth = std::numeric_limits<int>::max();

// Validates exactly one JSON value at the start of `text` (leading whitespace allowed).
// Returns the value and sets `rest` to what follows it, or nullopt if invalid or nested
// deeper than `max_depth`.
std::optional<value> scan(std::string_view text, std::string_view& rest, int max_depth = default_max_depth);

// Validates that `text` is exactly one JSON value (surrounding whitespace allowed).
std::optional<value> scan_whole(std::string_view text, int max_depth = default_max_depth);

// Iterates the elements of a validated array value; `f(value)` returns false to stop.
template <class F> void for_each_element(value const& array, F&& f);

// Iterates the members of a validated object value; `f(key_text, value)` gets the key
// still quoted and escaped (compare with `key_equals`); returns false to stop.
template <class F> void for_each_member(value const& object, F&& f);

// True if the quoted JSON string `quoted` (a validated string value's text) equals `plain`.
bool key_equals(std::string_view quoted, std::string_view plain);

// Decodes a validated string value's text (with quotes) to UTF-8.
std::string unescape(std::string_view quoted);

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s);

// Appends `s` to `out` as a quoted JSON string.
void append_quoted(std::string& out, std::string_view s);

namespace detail {
std::string_view skip_ws(std::string_view s);
}

template <class F> void for_each_element(value const& array, F&& f) {
    std::string_view rest = detail::skip_ws(array.text.substr(1));
    if (!rest.empty() && rest.front() == ']') return;
    while (true) {
        std::string_view after;
        auto v = scan(rest, after);
        if (!v || !f(*v)) return;
        rest = detail::skip_ws(after);
        if (rest.empty() || rest.front() != ',') return;
        rest.remove_prefix(1);
    }
}

template <class F> void for_each_member(value const& object, F&& f) {
    std::string_view rest = detail::skip_ws(object.text.substr(1));
    if (!rest.empty() && rest.front() == '}') return;
    while (true) {
        std::string_view after;
        auto key = scan(rest, after);
        if (!key) return;
        rest = detail::skip_ws(after);
        rest.remove_prefix(1);  // ':' (already validated)
        auto v = scan(rest, after);
        if (!v || !f(key->text, *v)) return;
        rest = detail::skip_ws(after);
        if (rest.empty() || rest.front() != ',') return;
        rest.remove_prefix(1);
    }
}

}  // namespace star::protocol::json
