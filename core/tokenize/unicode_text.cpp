#include "tokenize/unicode_text.h"

#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "util/error.h"
#include "util/utf8.h"

namespace llmap::unicode {

char32_t decodeAt(std::string_view text, size_t& pos) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    size_t len = sequenceLength(lead);
    if (pos + len > text.size()) len = 1;
    char32_t cp;
    switch (len) {
        case 1:
            cp = lead;
            break;
        case 2:
            cp = lead & 0x1F;
            break;
        case 3:
            cp = lead & 0x0F;
            break;
        default:
            cp = lead & 0x07;
            break;
    }
    for (size_t i = 1; i < len; ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
    pos += len;
    return cp;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string toUtf8(char32_t cp) {
    std::string s;
    appendUtf8(s, cp);
    return s;
}

std::u32string toCodePoints(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) out.push_back(decodeAt(text, pos));
    return out;
}

void requireOneCharacter(std::string_view text, const std::string& what, const std::string& where) {
    size_t bad = 0;
    const size_t n = text.empty() ? 0 : llmap::wellFormedLength(text, 0, bad);
    if (n == 0 || n != text.size()) {
        throw InputError(what + " must be one character, not \"" + sanitizeUtf8(text) + "\"", where,
                         "use one character, such as \"\xE2\x96\x81\" (U+2581)");
    }
}

std::string sanitizeUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (size_t pos = 0; pos < text.size();) {
        size_t bad;
        const size_t n = llmap::wellFormedLength(text, pos, bad);
        if (n) {
            out.append(text.substr(pos, n));
            pos += n;
        } else {
            out.append("\xEF\xBF\xBD");
            pos += bad;
        }
    }
    return out;
}

bool isWhitespace(char32_t c) {
    return (c >= 0x9 && c <= 0xD) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

static utf8proc_category_t category(char32_t c) {
    return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

bool isAlphanumeric(char32_t c) {
    const auto k = category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO);
}

bool isPunctuation(char32_t c) {
    const auto k = category(c);
    return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

bool isNumeric(char32_t c) {
    const auto k = category(c);
    return k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO;
}

bool isMark(char32_t c) {
    return category(c) == UTF8PROC_CATEGORY_MN;
}
bool isCombiningMark(char32_t c) {
    const auto k = category(c);
    return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME;
}

bool isControl(char32_t c) {
    return category(c) == UTF8PROC_CATEGORY_CC;
}

bool isChineseChar(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::string normalize(std::string_view text, NormalForm form) {
    if (text.empty()) return {};
    bool ascii = true;
    for (char ch : text) {
        if (static_cast<unsigned char>(ch) >= 0x80) {
            ascii = false;
            break;
        }
    }
    if (ascii) return std::string(text);  // every normal form leaves ASCII as it is
    int options = UTF8PROC_STABLE;
    switch (form) {
        case NormalForm::NFC:
            options |= UTF8PROC_COMPOSE;
            break;
        case NormalForm::NFD:
            options |= UTF8PROC_DECOMPOSE;
            break;
        case NormalForm::NFKC:
            options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
            break;
        case NormalForm::NFKD:
            options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
            break;
    }
    utf8proc_uint8_t* out = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                static_cast<utf8proc_ssize_t>(text.size()), &out,
                                static_cast<utf8proc_option_t>(options));
    if (n < 0) return std::string(text);  // not valid UTF-8: callers sanitise first
    std::unique_ptr<utf8proc_uint8_t, void (*)(void*)> hold(out, std::free);
    return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

std::string lowercase(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const std::u32string cps = toCodePoints(text);
    for (size_t i = 0; i < cps.size(); ++i) {
        const char32_t c = cps[i];
        if (c < 0x80) {
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        } else if (c == 0x130) {
            out.append("i\xCC\x87");  // İ -> i + combining dot above
        } else if (c == 0x3A3) {
            // Final sigma: preceded by a cased letter and not followed by one.
            auto cased = [](char32_t x) {
                const auto k = category(x);
                return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL ||
                       k == UTF8PROC_CATEGORY_LT;
            };
            auto ignorable = [](char32_t x) {
                const auto k = category(x);
                return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME ||
                       k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_LM ||
                       k == UTF8PROC_CATEGORY_SK || x == 0x27 || x == 0x2019 || x == 0xAD;
            };
            bool before = false, after = false;
            for (size_t j = i; j-- > 0;) {
                if (ignorable(cps[j])) continue;
                before = cased(cps[j]);
                break;
            }
            for (size_t j = i + 1; j < cps.size(); ++j) {
                if (ignorable(cps[j])) continue;
                after = cased(cps[j]);
                break;
            }
            appendUtf8(out, before && !after ? 0x3C2 : 0x3C3);
        } else {
            appendUtf8(out,
                       static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
        }
    }
    return out;
}

namespace {
struct ByteTables {
    std::vector<std::string> toUnicode = std::vector<std::string>(256);
    std::array<int, 324> fromUnicode{};
    ByteTables() {
        fromUnicode.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable =
                (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            const char32_t cp =
                printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
            toUnicode[b] = toUtf8(cp);
            fromUnicode[cp] = b;
        }
    }
};
const ByteTables& byteTables() {
    static const ByteTables t;
    return t;
}
}  // namespace

const std::vector<std::string>& byteToUnicode() {
    return byteTables().toUnicode;
}

int unicodeToByte(char32_t cp) {
    if (cp >= byteTables().fromUnicode.size()) return -1;
    return byteTables().fromUnicode[cp];
}

}  // namespace llmap::unicode
