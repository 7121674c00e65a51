#include "protocol/json_scan.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

namespace star::protocol::json {
namespace detail {

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Eight bytes at a time (SWAR): an SDP is hundreds of plain characters between escapes.
constexpr std::uint64_t ones = 0x0101010101010101u;
constexpr std::uint64_t highs = 0x8080808080808080u;

std::uint64_t word_at(std::string_view s, std::size_t i) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, sizeof w);
    return w;
}

// Nonzero when a byte of w equals b (exact for the first such byte, all a caller needs).
std::uint64_t has_byte(std::uint64_t w, unsigned char b) {
    std::uint64_t x = w ^ (ones * b);
    return (x - ones) & ~x & highs;
}

// Nonzero when a byte of w is below 0x20 (the same exactness).
std::uint64_t has_control(std::uint64_t w) { return (w - ones * 0x20) & ~w & highs; }

// Where the string's next byte that needs a look ('"', '\\', a control byte) may be: whole
// words of ordinary bytes (ASCII or not) are skipped.
std::size_t skip_plain(std::string_view s, std::size_t i) {
    while (i + 8 <= s.size()) {
        std::uint64_t w = word_at(s, i);
        if (has_byte(w, '"') | has_byte(w, '\\') | has_control(w)) break;
        i += 8;
    }
    return i;
}

// Scans a string starting at s[i] == '"'; returns the index past the closing quote or npos.
// Bytes >= 0x80 are passed through: WebSocket text frames are UTF-8 validated by the transport.
std::size_t scan_string(std::string_view s, std::size_t i) {
    ++i;
    while (i < s.size()) {
        i = skip_plain(s, i);
        if (i >= s.size()) break;
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"') return i + 1;
        if (c < 0x20) return std::string_view::npos;
        if (c == '\\') {
            if (++i >= s.size()) return std::string_view::npos;
            char e = s[i];
            if (e == 'u') {
                if (i + 4 >= s.size()) return std::string_view::npos;
                for (int k = 1; k <= 4; ++k)
                    if (!is_hex(s[i + k])) return std::string_view::npos;
                i += 4;
            } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
                return std::string_view::npos;
            }
        }
        ++i;
    }
    return std::string_view::npos;
}

std::size_t scan_number(std::string_view s, std::size_t i) {
    if (i < s.size() && s[i] == '-') ++i;
    if (i >= s.size()) return std::string_view::npos;
    if (s[i] == '0') {
        ++i;
    } else if (is_digit(s[i])) {
        while (i < s.size() && is_digit(s[i])) ++i;
    } else {
        return std::string_view::npos;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (i >= s.size() || !is_digit(s[i])) return std::string_view::npos;
        while (i < s.size() && is_digit(s[i])) ++i;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (i >= s.size() || !is_digit(s[i])) return std::string_view::npos;
        while (i < s.size() && is_digit(s[i])) ++i;
    }
    return i;
}

std::size_t skip_ws_at(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    return i;
}

}  // namespace

std::string_view skip_ws(std::string_view s) { return s.substr(skip_ws_at(s, 0)); }

namespace {

// An object member's `"key" :` at s[i]; returns the index after the colon or npos.
std::size_t scan_key(std::string_view s, std::size_t i) {
    if (i >= s.size() || s[i] != '"') return std::string_view::npos;
    i = scan_string(s, i);
    if (i == std::string_view::npos) return i;
    i = skip_ws_at(s, i);
    if (i >= s.size() || s[i] != ':') return std::string_view::npos;
    return i + 1;
}

// The containers open around the scanner, one bit each (set: an object). The first 1,024
// levels live on the stack; deeper input, which real clients never send, spills to the heap,
// so depth is bounded by the input's size alone and nothing recurses.
class open_containers {
public:
    bool empty() const { return depth_ == 0; }
    std::size_t depth() const { return depth_; }
    bool top_is_object() const { return (word(depth_ - 1) >> ((depth_ - 1) % 64)) & 1u; }
    void push(bool object) {
        std::size_t w = depth_ / 64;
        if (w >= inline_words && w - inline_words >= spilled_.size()) spilled_.push_back(0);
        std::uint64_t& bits = w < inline_words ? inline_[w] : spilled_[w - inline_words];
        std::uint64_t mask = std::uint64_t{1} << (depth_ % 64);
        bits = object ? bits | mask : bits & ~mask;
        ++depth_;
    }
    void pop() { --depth_; }

private:
    static constexpr std::size_t inline_words = 16;
    std::uint64_t word(std::size_t level) const {
        std::size_t w = level / 64;
        return w < inline_words ? inline_[w] : spilled_[w - inline_words];
    }
    std::uint64_t inline_[inline_words] = {};
    std::vector<std::uint64_t> spilled_;
    std::size_t depth_ = 0;
};

// A scalar (string, number, literal) at s[i]; returns the index past it or npos.
std::size_t scan_scalar(std::string_view s, std::size_t i, kind& k) {
    char c = s[i];
    if (c == '"') {
        k = kind::string;
        return scan_string(s, i);
    }
    if (c == 't' || c == 'f' || c == 'n') {
        std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        k = c == 'n' ? kind::null : kind::boolean;
        return s.substr(i, word.size()) == word ? i + word.size() : std::string_view::npos;
    }
    k = kind::number;
    return scan_number(s, i);
}

// After a value: closes as many containers as the input closes, then expects ',' (and a key
// in an object). Returns the index of the next value, or npos; once all are closed, sets `end`
// to the index past the outermost value instead.
std::size_t after_value(std::string_view s, std::size_t i, open_containers& open, std::size_t& end) {
    constexpr std::size_t npos = std::string_view::npos;
    while (!open.empty()) {
        i = skip_ws_at(s, i);
        if (i >= s.size()) return npos;
        bool object = open.top_is_object();
        if (s[i] == (object ? '}' : ']')) {
            open.pop();
            ++i;
            continue;
        }
        if (s[i] != ',') return npos;
        return object ? scan_key(s, skip_ws_at(s, i + 1)) : i + 1;
    }
    end = i;
    return i;
}

// Iterative scanner: the open containers are kept in a bit stack, never on the call stack.
std::size_t scan_value(std::string_view s, std::size_t i, int max_depth, kind& type) {
    constexpr std::size_t npos = std::string_view::npos;
    open_containers open;
    bool first_value = true;
    std::size_t end = npos;
    while (true) {
        i = skip_ws_at(s, i);
        if (i >= s.size()) return npos;
        char c = s[i];
        kind k;
        if (c == '{' || c == '[') {
            if (open.depth() >= static_cast<std::size_t>(max_depth)) return npos;
            bool object = c == '{';
            open.push(object);
            k = object ? kind::object : kind::array;
            i = skip_ws_at(s, i + 1);
            if (i < s.size() && s[i] == (object ? '}' : ']')) {
                open.pop();
                ++i;
            } else if (object && (i = scan_key(s, i)) == npos) {
                return npos;
            } else {
                if (first_value) type = k;
                first_value = false;
                continue;
            }
        } else if ((i = scan_scalar(s, i, k)) == npos) {
            return npos;
        }
        if (first_value) type = k;
        first_value = false;
        i = after_value(s, i, open, end);
        if (i == npos || end != npos) return i;
    }
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::uint32_t hex4(std::string_view s) {
    std::uint32_t v = 0;
    for (char c : s.substr(0, 4)) {
        v <<= 4;
        if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
        else v |= static_cast<std::uint32_t>(c - 'A' + 10);
    }
    return v;
}

}  // namespace
}  // namespace detail

std::optional<value> scan(std::string_view text, std::string_view& rest, int max_depth) {
    std::size_t start = detail::skip_ws_at(text, 0);
    kind type = kind::null;
    std::size_t end = detail::scan_value(text, start, max_depth, type);
    if (end == std::string_view::npos) return std::nullopt;
    rest = text.substr(end);
    return value{type, text.substr(start, end - start)};
}

std::optional<value> scan_whole(std::string_view text, int max_depth) {
    std::string_view rest;
    auto v = scan(text, rest, max_depth);
    if (!v || !detail::skip_ws(rest).empty()) return std::nullopt;
    return v;
}

bool key_equals(std::string_view quoted, std::string_view plain) {
    if (quoted.size() == plain.size() + 2 && quoted.substr(1, plain.size()) == plain) return true;
    if (quoted.find('\\') == std::string_view::npos) return false;
    return unescape(quoted) == plain;
}

std::string unescape(std::string_view quoted) {
    std::string out;
    std::string_view s = quoted.substr(1, quoted.size() - 2);
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        char e = s[++i];
        switch (e) {
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                std::uint32_t cp = detail::hex4(s.substr(i + 1));
                i += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < s.size() + 1 && s.substr(i + 1, 2) == "\\u") {
                    std::uint32_t lo = detail::hex4(s.substr(i + 3));
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                }
                if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // lone surrogate
                detail::append_utf8(out, cp);
                break;
            }
            default:
                out += e;
                break;  // '"', '\\', '/'
        }
    }
    return out;
}

bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 8 <= s.size() && (detail::word_at(s, i) & detail::highs) == 0) {
            i += 8;  // eight ASCII bytes
            continue;
        }
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t n;
        std::uint32_t cp;
        if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
        else return false;
        if (i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr std::uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return false;
        i += n + 1;
    }
    return true;
}

void append_quoted(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    std::size_t run = 0;  // characters that need no escape are copied in runs
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        if (u >= 0x20 && u != '"' && u != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        if (u == '"' || u == '\\') {
            out += '\\';
            out += static_cast<char>(u);
        } else {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xF];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

}  // namespace star::protocol::json
