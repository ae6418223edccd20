#pragma once
// The few UTF-8 facts the text sets need: validity and character boundaries.
#include <cstddef>
#include <string>
#include <string_view>

namespace llmap {

// Offset of the first byte that does not start a well-formed UTF-8 character (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or std::string::npos when all is valid.
size_t firstInvalidUtf8(std::string_view bytes);

// The largest character boundary <= pos (pos itself when it is one). pos == size() is a boundary.
size_t utf8BoundaryAtOrBefore(std::string_view bytes, size_t pos);

// 1-based line number of byte `offset` (for messages).
size_t lineOfOffset(std::string_view bytes, size_t offset);

// Throws InputError naming `where`, the line and the byte offset of the first invalid byte.
void requireValidUtf8(std::string_view bytes, const std::string& where);

}  // namespace llmap
