#include "protocol/websocket.hpp"

#include <openssl/sha.h>

#include <algorithm>

#include "protocol/base64.hpp"
#include "protocol/json_scan.hpp"

namespace star::protocol::websocket {

bool close_code::valid_from_peer(std::uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

bool valid_client_key(std::string_view key) {
    auto bytes = base64_decode(key);
    return key.size() == 24 && bytes && bytes->size() == 16;
}

std::string accept_key(std::string_view client_key) {
    std::string input(client_key);
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<unsigned char const*>(input.data()), input.size(), digest);
    return base64_encode(std::string_view(reinterpret_cast<char const*>(digest), sizeof digest));
}

std::size_t encode_header(opcode op, std::uint64_t payload_size, std::uint8_t* out) {
    out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));
    if (payload_size < 126) {
        out[1] = static_cast<std::uint8_t>(payload_size);
        return 2;
    }
    if (payload_size <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<std::uint8_t>(payload_size >> 8);
        out[3] = static_cast<std::uint8_t>(payload_size);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(payload_size >> (56 - 8 * i));
    return 10;
}

void append_text_frame(std::string& frames, std::string_view message) {
    std::uint8_t header[max_header_size];
    frames.append(reinterpret_cast<char const*>(header), encode_header(opcode::text, message.size(), header));
    frames.append(message);
}

std::string close_payload(std::uint16_t code) {
    return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
}

void reader::feed(std::string_view bytes) {
    if (offset_ == buffer_.size()) {
        buffer_.clear();
        offset_ = 0;
    } else if (offset_ > 0) {
        buffer_.erase(0, offset_);
        offset_ = 0;
    }
    buffer_.append(bytes);
}

void reader::release_idle() {
    if (offset_ == buffer_.size() && buffer_.capacity() > 4096) std::string().swap(buffer_), offset_ = 0;
    if (!in_message_ && message_.capacity() > 4096) std::string().swap(message_);
}

std::size_t reader::pending_message_size() const {
    std::size_t avail = buffer_.size() - offset_;
    std::size_t assembled = in_message_ ? message_.size() : 0;
    if (avail < 2) return assembled + avail;
    auto const* p = reinterpret_cast<std::uint8_t const*>(buffer_.data()) + offset_;
    std::uint64_t length = p[1] & 0x7F;
    std::size_t header = 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + 4;
    if (avail < header) return assembled + avail;
    if (length == 126) length = (std::uint64_t(p[2]) << 8) | p[3];
    if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
    }
    // Bounded by the size check in next(): a longer frame is refused before it is awaited.
    return assembled + header + static_cast<std::size_t>(std::min<std::uint64_t>(length, max_message_ + 1));
}

reader::event reader::fail(std::uint16_t code) {
    failed_ = true;
    return {kind::error, {}, code};
}

reader::event reader::next() {
    if (failed_) return {kind::error, {}, close_code::protocol_error};
    if (!in_message_) message_.clear();  // the last message returned from it was consumed
    while (true) {
        auto const* p = reinterpret_cast<std::uint8_t const*>(buffer_.data()) + offset_;
        std::size_t avail = buffer_.size() - offset_;
        if (avail < 2) return {};
        bool fin = p[0] & 0x80;
        auto op = static_cast<opcode>(p[0] & 0x0F);
        std::uint64_t length = p[1] & 0x7F;
        if ((p[0] & 0x70) != 0 || (p[1] & 0x80) == 0) return fail(close_code::protocol_error);
        std::size_t header = 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + 4;
        if (avail < header) return {};
        if (length == 126) {
            length = (std::uint64_t(p[2]) << 8) | p[3];
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
            if (length >> 63) return fail(close_code::protocol_error);
        }
        bool control = static_cast<std::uint8_t>(op) & 0x8;
        if (control) {
            if (!fin || length > 125) return fail(close_code::protocol_error);
            if (op != opcode::close && op != opcode::ping && op != opcode::pong)
                return fail(close_code::protocol_error);
        } else {
            if (op != opcode::continuation && op != opcode::text && op != opcode::binary)
                return fail(close_code::protocol_error);
            if ((op == opcode::continuation) != in_message_) return fail(close_code::protocol_error);
            if ((in_message_ ? message_.size() : 0) + length > max_message_) return fail(close_code::too_big);
        }
        if (avail - header < length) return {};
        std::uint8_t const* mask = p + header - 4;
        char* payload = buffer_.data() + offset_ + header;
        for (std::uint64_t i = 0; i < length; ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i & 3]);
        std::string_view data(payload, length);
        offset_ += header + length;

        if (control) {
            if (op == opcode::ping) return {kind::ping, data, 0};
            if (op == opcode::pong) return {kind::pong, data, 0};
            if (length == 1) return fail(close_code::protocol_error);
            if (length == 0) return {kind::close, {}, close_code::normal};
            auto code = static_cast<std::uint16_t>((std::uint8_t(data[0]) << 8) | std::uint8_t(data[1]));
            if (!close_code::valid_from_peer(code)) return fail(close_code::protocol_error);
            if (!json::valid_utf8(data.substr(2))) return fail(close_code::invalid_payload);
            return {kind::close, data.substr(2), code};
        }
        if (!fin) {
            if (!in_message_) message_op_ = op;
            in_message_ = true;
            message_.append(data);
            continue;  // a fragment is not an event; look for more
        }
        opcode message_op = op;
        if (in_message_) {
            message_.append(data);
            data = message_;
            message_op = message_op_;
            in_message_ = false;
        }
        if (message_op == opcode::binary) return {kind::binary, data, 0};
        if (!json::valid_utf8(data)) return fail(close_code::invalid_payload);
        return {kind::text, data, 0};
    }
}

}  // namespace star::protocol::websocket
