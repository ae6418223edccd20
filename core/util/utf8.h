#pragma once
// UTF-8 validity (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) and
// character boundaries, for every reader of text: text sets, CSV files, tokenizers.
#include <cstddef>
#include <string>
#include <string_view>

namespace llmap {

// Length of the well-formed character at `pos` (< size()), or 0 with `illFormed` set to the
// length of the maximal ill-formed subpart there (Unicode 3.9, table 3-7: what one U+FFFD
// replaces).
size_t wellFormedLength(std::string_view bytes, size_t pos, size_t& illFormed);

// Offset of the first byte that does not start a well-formed UTF-8 character, or
// std::string::npos when all is valid.
size_t firstInvalidUtf8(std::string_view bytes);
inline bool isValidUtf8(std::string_view bytes) {
    return firstInvalidUtf8(bytes) == std::string::npos;
}

// The largest character boundary <= pos (pos itself when it is one). pos == size() is a boundary.
size_t utf8BoundaryAtOrBefore(std::string_view bytes, size_t pos);

// 1-based line number of byte `offset` (for messages).
size_t lineOfOffset(std::string_view bytes, size_t offset);

// Throws InputError naming `where`, the line and the byte offset of the first invalid byte.
void requireValidUtf8(std::string_view bytes, const std::string& where);

}  // namespace llmap
