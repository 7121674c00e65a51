#include "random_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <random>

namespace star::server {

std::string random_id() {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::array<unsigned char, 20> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        thread_local std::mt19937_64 fallback{std::random_device{}()};
        for (auto& b : bytes) b = static_cast<unsigned char>(fallback());
    }
    std::string id;
    id.reserve(bytes.size());
    for (auto b : bytes) id += alphabet[b & 63];
    return id;
}

}  // namespace star::server
