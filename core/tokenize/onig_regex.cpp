#include "tokenize/onig_regex.h"

#include <oniguruma.h>

#include <mutex>

#include "tokenize/unicode_text.h"
#include "util/error.h"

namespace llmap {

namespace {
void initOnce() {
    static std::once_flag flag;
    std::call_once(flag, [] {
        OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
        onig_initialize(encodings, 1);
    });
}
}  // namespace

OnigRegex::OnigRegex(const std::string& pattern, const std::string& where) : pattern_(pattern) {
    initOnce();
    regex_t* re = nullptr;
    OnigErrorInfo info;
    const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
    const int rc = onig_new(&re, p, p + pattern.size(), ONIG_OPTION_CAPTURE_GROUP,
                            ONIG_ENCODING_UTF8, ONIG_SYNTAX_DEFAULT, &info);
    if (rc != ONIG_NORMAL) {
        OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
        onig_error_code_to_str(msg, rc, &info);
        throw InputError("regular expression \"" + pattern +
                             "\" does not compile: " + reinterpret_cast<const char*>(msg),
                         where, "fix the pattern in the tokenizer file");
    }
    regex_ = re;
}

OnigRegex::~OnigRegex() {
    if (regex_) onig_free(static_cast<regex_t*>(regex_));
}

std::vector<std::pair<size_t, size_t>> OnigRegex::findAll(std::string_view text) const {
    std::vector<std::pair<size_t, size_t>> matches;
    if (text.empty()) return matches;
    auto* re = static_cast<regex_t*>(regex_);
    OnigRegion* region = onig_region_new();
    const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
    const auto* end = begin + text.size();
    size_t pos = 0;
    while (pos <= text.size()) {
        const int r = onig_search(re, begin, end, begin + pos, end, region, ONIG_OPTION_NONE);
        if (r < 0) break;  // ONIG_MISMATCH (or an error: treat as no further match)
        const auto s = static_cast<size_t>(region->beg[0]);
        const auto e = static_cast<size_t>(region->end[0]);
        matches.emplace_back(s, e);
        if (e > s) {
            pos = e;
        } else {
            if (s >= text.size()) break;
            pos = s + unicode::sequenceLength(static_cast<unsigned char>(text[s]));
        }
    }
    onig_region_free(region, 1);
    return matches;
}

std::string OnigRegex::escape(std::string_view literal) {
    std::string out;
    for (char c : literal) {
        if (std::string_view("\\^$.|?*+()[]{}-/#").find(c) != std::string_view::npos)
            out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

}  // namespace llmap
