#include "model/json_skim.h"

#include <cstring>

#include "util/error.h"

namespace llmap {

namespace {

class Skimmer {
public:
    Skimmer(std::string_view s, const std::string& where) : s_(s), where_(where) {}

    void ws() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
            ++i_;
    }
    char peek() {
        ws();
        if (i_ >= s_.size()) fail("unexpected end");
        return s_[i_];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++i_;
    }
    // Skips a string starting at the opening quote; returns its contents.
    std::string_view string() {
        expect('"');
        const size_t start = i_;
        while (true) {
            const void* q = std::memchr(s_.data() + i_, '"', s_.size() - i_);
            if (!q) fail("unterminated string");
            size_t end = static_cast<size_t>(static_cast<const char*>(q) - s_.data());
            size_t backslashes = 0;
            while (end - backslashes > start && s_[end - backslashes - 1] == '\\') ++backslashes;
            i_ = end + 1;
            if (backslashes % 2 == 0) return s_.substr(start, end - start);
        }
    }
    // Skips any value; returns its raw text.
    std::string_view value() {
        const char c = peek();
        const size_t start = i_;
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            int depth = 0;
            while (i_ < s_.size()) {
                const char d = s_[i_];
                if (d == '"') {
                    string();
                    continue;
                }
                if (d == '{' || d == '[') ++depth;
                if (d == '}' || d == ']') {
                    if (--depth == 0) {
                        ++i_;
                        break;
                    }
                }
                ++i_;
            }
            if (depth != 0) fail("unbalanced brackets");
        } else {
            while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' &&
                   s_[i_] != ' ' && s_[i_] != '\n' && s_[i_] != '\r' && s_[i_] != '\t')
                ++i_;
            if (i_ == start) fail("missing value");
        }
        return s_.substr(start, i_ - start);
    }
    std::map<std::string, std::string_view> object() {
        std::map<std::string, std::string_view> members;
        expect('{');
        if (peek() == '}') return members;
        while (true) {
            const std::string key(string());
            expect(':');
            members[key] = value();
            const char c = peek();
            ++i_;
            if (c == '}') return members;
            if (c != ',') fail("expected ',' or '}'");
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) {
        throw InputError("not valid JSON: " + what + " at byte " + std::to_string(i_), where_,
                         "repair or download the file again");
    }
    std::string_view s_;
    const std::string& where_;
    size_t i_ = 0;
};

}  // namespace

std::map<std::string, std::string_view> skimObject(std::string_view json,
                                                   const std::string& where) {
    return Skimmer(json, where).object();
}

}  // namespace llmap
