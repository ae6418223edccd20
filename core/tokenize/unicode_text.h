#pragma once
// UTF-8 helpers shared by the tokenizer stages: decoding, character classes, normalisation
// (through utf8proc), and GPT-2's byte <-> printable-character table.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmap::unicode {

// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes).
inline size_t sequenceLength(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;
}

// Decodes the code point at `pos` and advances `pos`. The text must be valid UTF-8.
char32_t decodeAt(std::string_view text, size_t& pos);
void appendUtf8(std::string& out, char32_t cp);
std::string toUtf8(char32_t cp);
std::u32string toCodePoints(std::string_view text);

// Replaces every ill-formed subsequence by U+FFFD the way Python's bytes.decode('utf-8',
// errors='replace') does (one replacement per maximal ill-formed subpart). Validity itself:
// util/utf8.h.
std::string sanitizeUtf8(std::string_view text);

// Throws InputError naming `where` unless `text` is exactly one character, as Hugging Face's
// tokenizers require of a Metaspace replacement (a Rust char). `what` names the field.
void requireOneCharacter(std::string_view text, const std::string& what, const std::string& where);

// Rust char predicates, as Hugging Face's tokenizers use them.
bool isWhitespace(char32_t cp);     // Unicode White_Space
bool isAlphanumeric(char32_t cp);   // categories L*, N*
bool isPunctuation(char32_t cp);    // categories P*
bool isNumeric(char32_t cp);        // categories Nd, Nl, No
bool isMark(char32_t cp);           // Mn (as BertNormalizer's accent stripping removes)
bool isCombiningMark(char32_t cp);  // Mn, Mc, Me (as the StripAccents normalizer removes)
bool isControl(char32_t cp);        // Cc
bool isChineseChar(char32_t cp);    // CJK ideograph blocks as in BERT

enum class NormalForm { NFC, NFD, NFKC, NFKD };
std::string normalize(std::string_view text, NormalForm form);
// Full lowercase mapping (as Rust's str::to_lowercase, including final sigma).
std::string lowercase(std::string_view text);

// GPT-2's bytes_to_unicode(): each byte maps to one printable code point, stored as UTF-8.
const std::vector<std::string>& byteToUnicode();
// Reverse: the byte a ByteLevel character stands for, or -1.
int unicodeToByte(char32_t cp);

}  // namespace llmap::unicode
