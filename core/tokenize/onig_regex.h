#pragma once
// A compiled Oniguruma regular expression (the engine Hugging Face's tokenizers use), UTF-8.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmap {

class OnigRegex {
public:
    // Throws InputError naming `where` when the pattern does not compile.
    OnigRegex(const std::string& pattern, const std::string& where);
    ~OnigRegex();
    OnigRegex(const OnigRegex&) = delete;
    OnigRegex& operator=(const OnigRegex&) = delete;

    // Every non-overlapping match, left to right, as byte offsets [start, end).
    std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;
    const std::string& pattern() const { return pattern_; }

    // Escapes a literal string for use inside a pattern.
    static std::string escape(std::string_view literal);

private:
    std::string pattern_;
    void* regex_ = nullptr;
};

}  // namespace llmap
