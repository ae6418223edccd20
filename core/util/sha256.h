#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace llmap {

// Incremental SHA-256 (FIPS 180-4); hex() finishes the digest.
class Sha256 {
public:
    Sha256();
    void update(std::string_view bytes);
    std::string hex();

private:
    void compress(const unsigned char* block);
    uint32_t state_[8];
    unsigned char buffer_[64];
    uint64_t length_ = 0;
    size_t buffered_ = 0;
};

std::string sha256Hex(std::string_view bytes);

}  // namespace llmap
