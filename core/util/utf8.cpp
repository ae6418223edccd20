#include "util/utf8.h"

#include <algorithm>
#include <cstdio>

#include "util/error.h"

namespace llmap {

namespace {
bool isContinuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}
}  // namespace

size_t wellFormedLength(std::string_view bytes, size_t pos, size_t& illFormed) {
    const auto b0 = static_cast<unsigned char>(bytes[pos]);
    illFormed = 1;
    if (b0 < 0x80) return 1;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    size_t need;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return 0;
    }
    for (size_t i = 1; i <= need; ++i) {
        if (pos + i >= bytes.size()) {
            illFormed = i;
            return 0;
        }
        const auto b = static_cast<unsigned char>(bytes[pos + i]);
        const unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (b < l || b > h) {
            illFormed = i;
            return 0;
        }
    }
    return need + 1;
}

size_t firstInvalidUtf8(std::string_view bytes) {
    size_t illFormed = 0;
    for (size_t i = 0; i < bytes.size();) {
        const size_t n = wellFormedLength(bytes, i, illFormed);
        if (n == 0) return i;
        i += n;
    }
    return std::string::npos;
}

size_t utf8BoundaryAtOrBefore(std::string_view bytes, size_t pos) {
    pos = std::min(pos, bytes.size());
    while (pos > 0 && pos < bytes.size() &&
           isContinuation(static_cast<unsigned char>(bytes[pos]))) {
        --pos;
    }
    return pos;
}

size_t lineOfOffset(std::string_view bytes, size_t offset) {
    offset = std::min(offset, bytes.size());
    return 1 + static_cast<size_t>(std::count(bytes.begin(), bytes.begin() + offset, '\n'));
}

void requireValidUtf8(std::string_view bytes, const std::string& where) {
    const size_t bad = firstInvalidUtf8(bytes);
    if (bad == std::string::npos) return;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(bytes[bad]));
    throw InputError("not valid UTF-8: byte " + std::string(hex) + " at byte offset " +
                         std::to_string(bad) + " (line " +
                         std::to_string(lineOfOffset(bytes, bad)) + ")",
                     where, "convert the file to UTF-8, e.g. with iconv -f LATIN1 -t UTF-8");
}

}  // namespace llmap
