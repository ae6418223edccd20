#include "text/utf8.h"

#include <algorithm>
#include <cstdio>

#include "util/error.h"

namespace llmap {

namespace {
bool isContinuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}
}  // namespace

size_t firstInvalidUtf8(std::string_view bytes) {
    const size_t n = bytes.size();
    size_t i = 0;
    while (i < n) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t length = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0) lo = 0xA0;  // overlong
            if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0) lo = 0x90;  // overlong
            if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return i;
        }
        if (i + length > n) return i;
        const auto second = static_cast<unsigned char>(bytes[i + 1]);
        if (second < lo || second > hi) return i;
        for (size_t k = 2; k < length; ++k) {
            if (!isContinuation(static_cast<unsigned char>(bytes[i + k]))) return i;
        }
        i += length;
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
