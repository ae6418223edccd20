#include "tokenize/pre_tokenizers.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <utility>

#include "tokenize/onig_regex.h"
#include "tokenize/unicode_text.h"
#include "util/error.h"

namespace llmap {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

using Match = std::pair<std::pair<size_t, size_t>, bool>;

// Covers the whole text with (range, is_match) pairs, as tokenizers' Pattern::find_matches.
std::vector<Match> coverMatches(const std::string& text,
                                const std::vector<std::pair<size_t, size_t>>& found) {
    std::vector<Match> out;
    if (text.empty()) {
        out.push_back({{0, 0}, false});
        return out;
    }
    size_t prev = 0;
    for (const auto& [s, e] : found) {
        if (prev != s) out.push_back({{prev, s}, false});
        out.push_back({{s, e}, true});
        prev = e;
    }
    if (prev != text.size()) out.push_back({{prev, text.size()}, false});
    return out;
}

// Each character for which `pred` holds is one match.
std::vector<std::pair<size_t, size_t>> charMatches(const std::string& text,
                                                   const std::function<bool(char32_t)>& pred) {
    std::vector<std::pair<size_t, size_t>> out;
    for (size_t pos = 0; pos < text.size();) {
        const size_t s = pos;
        const char32_t c = unicode::decodeAt(text, pos);
        if (pred(c)) out.emplace_back(s, pos);
    }
    return out;
}

void splitPiece(const Piece& piece, std::vector<Match> matches, SplitBehavior behavior, bool invert,
                std::vector<Piece>& out) {
    if (invert) {
        for (auto& m : matches) m.second = !m.second;
    }
    std::vector<std::pair<size_t, size_t>> ranges;
    switch (behavior) {
        case SplitBehavior::Removed:
            for (const auto& m : matches) {
                if (!m.second) ranges.push_back(m.first);
            }
            break;
        case SplitBehavior::Isolated:
            for (const auto& m : matches) ranges.push_back(m.first);
            break;
        case SplitBehavior::MergedWithPrevious: {
            bool previous = false;
            for (const auto& m : matches) {
                if (m.second && !previous && !ranges.empty()) {
                    ranges.back().second = m.first.second;
                } else {
                    ranges.push_back(m.first);
                }
                previous = m.second;
            }
            break;
        }
        case SplitBehavior::MergedWithNext: {
            bool previous = false;
            for (size_t k = matches.size(); k-- > 0;) {
                const auto& m = matches[k];
                if (m.second && !previous && !ranges.empty()) {
                    ranges.back().first = m.first.first;
                } else {
                    ranges.push_back(m.first);
                }
                previous = m.second;
            }
            std::reverse(ranges.begin(), ranges.end());
            break;
        }
        case SplitBehavior::Contiguous: {
            bool previous = false;
            for (const auto& m : matches) {
                if (m.second == previous && !ranges.empty()) {
                    ranges.back().second = m.first.second;
                } else {
                    ranges.push_back(m.first);
                }
                previous = m.second;
            }
            break;
        }
    }
    for (const auto& [s, e] : ranges) {
        if (e > s) out.push_back({piece.text.substr(s, e - s), piece.atStart && s == 0});
    }
}

class RegexSplit : public PreTokenizer {
public:
    RegexSplit(const std::string& pattern, SplitBehavior behavior, bool invert,
               const std::string& where)
        : regex_(pattern, where), behavior_(behavior), invert_(invert) {}
    void apply(std::vector<Piece>& pieces) const override {
        std::vector<Piece> out;
        out.reserve(pieces.size() * 4);
        for (const auto& p : pieces) {
            splitPiece(p, coverMatches(p.text, regex_.findAll(p.text)), behavior_, invert_, out);
        }
        pieces = std::move(out);
    }

private:
    OnigRegex regex_;
    SplitBehavior behavior_;
    bool invert_;
};

class CharSplit : public PreTokenizer {
public:
    CharSplit(std::function<bool(char32_t)> pred, SplitBehavior behavior)
        : pred_(std::move(pred)), behavior_(behavior) {}
    void apply(std::vector<Piece>& pieces) const override {
        std::vector<Piece> out;
        for (const auto& p : pieces) {
            splitPiece(p, coverMatches(p.text, charMatches(p.text, pred_)), behavior_, false, out);
        }
        pieces = std::move(out);
    }

private:
    std::function<bool(char32_t)> pred_;
    SplitBehavior behavior_;
};

class ByteLevel : public PreTokenizer {
public:
    ByteLevel(bool addPrefixSpace, bool useRegex, const std::string& where)
        : addPrefixSpace_(addPrefixSpace) {
        if (useRegex)
            split_ =
                std::make_unique<RegexSplit>(kGpt2Pattern, SplitBehavior::Isolated, false, where);
    }
    void apply(std::vector<Piece>& pieces) const override {
        if (addPrefixSpace_) {
            for (auto& p : pieces) {
                if (p.text.empty() || p.text[0] != ' ') p.text.insert(0, " ");
            }
        }
        if (split_) split_->apply(pieces);
        const auto& table = unicode::byteToUnicode();
        for (auto& p : pieces) {
            std::string mapped;
            mapped.reserve(p.text.size() * 2);
            for (char c : p.text) mapped += table[static_cast<unsigned char>(c)];
            p.text = std::move(mapped);
        }
    }

private:
    bool addPrefixSpace_;
    std::unique_ptr<RegexSplit> split_;
};

class Metaspace : public PreTokenizer {
public:
    enum class Prepend { Always, First, Never };
    Metaspace(std::string replacement, Prepend prepend, bool split)
        : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {}
    void apply(std::vector<Piece>& pieces) const override {
        std::vector<Piece> out;
        for (auto& p : pieces) {
            std::string t;
            t.reserve(p.text.size() + 3);
            for (char c : p.text) {
                if (c == ' ')
                    t += replacement_;
                else
                    t.push_back(c);
            }
            const bool starts = t.compare(0, replacement_.size(), replacement_) == 0;
            if (!starts &&
                (prepend_ == Prepend::Always || (prepend_ == Prepend::First && p.atStart))) {
                t.insert(0, replacement_);
            }
            Piece q{std::move(t), p.atStart};
            if (!split_) {
                out.push_back(std::move(q));
                continue;
            }
            std::vector<std::pair<size_t, size_t>> found;
            for (size_t pos = q.text.find(replacement_); pos != std::string::npos;
                 pos = q.text.find(replacement_, pos + replacement_.size())) {
                found.emplace_back(pos, pos + replacement_.size());
            }
            splitPiece(q, coverMatches(q.text, found), SplitBehavior::MergedWithNext, false, out);
        }
        pieces = std::move(out);
    }

private:
    std::string replacement_;
    Prepend prepend_;
    bool split_;
};

class SequencePre : public PreTokenizer {
public:
    explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> parts)
        : parts_(std::move(parts)) {}
    void apply(std::vector<Piece>& pieces) const override {
        for (const auto& p : parts_) p->apply(pieces);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

SplitBehavior behaviorOf(const std::string& name, const std::string& where) {
    if (name == "Removed") return SplitBehavior::Removed;
    if (name == "Isolated") return SplitBehavior::Isolated;
    if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (name == "Contiguous") return SplitBehavior::Contiguous;
    throw InputError(
        "unknown split behavior \"" + name + "\"", where,
        "supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

bool isBertPunctuation(char32_t c) {
    return (c < 0x80 && ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
                         (c >= 123 && c <= 126))) ||
           unicode::isPunctuation(c);
}

}  // namespace

std::unique_ptr<PreTokenizer> makeIsolatedSplits(const std::vector<std::string>& patterns,
                                                 const std::string& where) {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (const auto& p : patterns) {
        parts.push_back(std::make_unique<RegexSplit>(p, SplitBehavior::Isolated, false, where));
    }
    return std::make_unique<SequencePre>(std::move(parts));
}

std::unique_ptr<PreTokenizer> makeRegexByteLevel(const std::vector<std::string>& patterns,
                                                 const std::string& where) {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    parts.push_back(makeIsolatedSplits(patterns, where));
    parts.push_back(std::make_unique<ByteLevel>(false, false, where));
    return std::make_unique<SequencePre>(std::move(parts));
}

std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& spec,
                                               const std::string& where) {
    if (spec.is_null()) return nullptr;
    const std::string type = spec.value("type", "");
    if (type == "ByteLevel") {
        return std::make_unique<ByteLevel>(spec.value("add_prefix_space", true),
                                           spec.value("use_regex", true), where);
    }
    if (type == "Split") {
        const auto& pat = spec.at("pattern");
        std::string pattern;
        if (pat.contains("String"))
            pattern = OnigRegex::escape(pat.at("String").get<std::string>());
        else if (pat.contains("Regex"))
            pattern = pat.at("Regex").get<std::string>();
        else
            throw InputError("Split pattern must be {\"String\": ...} or {\"Regex\": ...}", where,
                             "fix the tokenizer file");
        return std::make_unique<RegexSplit>(
            pattern, behaviorOf(spec.at("behavior").get<std::string>(), where),
            spec.value("invert", false), where);
    }
    if (type == "Metaspace") {
        Metaspace::Prepend prepend = Metaspace::Prepend::Always;
        if (spec.contains("prepend_scheme")) {
            const std::string s = spec.at("prepend_scheme").get<std::string>();
            if (s == "first")
                prepend = Metaspace::Prepend::First;
            else if (s == "never")
                prepend = Metaspace::Prepend::Never;
            else if (s != "always")
                throw InputError("unknown Metaspace prepend_scheme \"" + s + "\"", where,
                                 "supported: always, first, never");
        } else if (spec.contains("add_prefix_space") && !spec.at("add_prefix_space").get<bool>()) {
            prepend = Metaspace::Prepend::Never;
        }
        std::string replacement = "\xE2\x96\x81";
        if (spec.contains("replacement")) replacement = spec.at("replacement").get<std::string>();
        unicode::requireOneCharacter(replacement, "Metaspace replacement", where);
        return std::make_unique<Metaspace>(replacement, prepend, spec.value("split", true));
    }
    if (type == "Whitespace") {
        // \w and \s as Rust's regex crate defines them (Hugging Face compiles this one with it).
        return std::make_unique<RegexSplit>(
            R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\p{White_Space}]+)",
            SplitBehavior::Removed, true, where);
    }
    if (type == "WhitespaceSplit") {
        return std::make_unique<CharSplit>(unicode::isWhitespace, SplitBehavior::Removed);
    }
    if (type == "Digits") {
        return std::make_unique<CharSplit>(
            unicode::isNumeric, spec.value("individual_digits", false) ? SplitBehavior::Isolated
                                                                       : SplitBehavior::Contiguous);
    }
    if (type == "Punctuation") {
        return std::make_unique<CharSplit>(isBertPunctuation,
                                           behaviorOf(spec.value("behavior", "Isolated"), where));
    }
    if (type == "CharDelimiterSplit") {
        const std::u32string d = unicode::toCodePoints(spec.at("delimiter").get<std::string>());
        const char32_t delim = d.empty() ? U' ' : d[0];
        return std::make_unique<CharSplit>([delim](char32_t c) { return c == delim; },
                                           SplitBehavior::Removed);
    }
    if (type == "BertPreTokenizer") {
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        parts.push_back(std::make_unique<CharSplit>(unicode::isWhitespace, SplitBehavior::Removed));
        parts.push_back(std::make_unique<CharSplit>(isBertPunctuation, SplitBehavior::Isolated));
        return std::make_unique<SequencePre>(std::move(parts));
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (const auto& p : spec.at("pretokenizers")) {
            if (auto q = makePreTokenizer(p, where)) parts.push_back(std::move(q));
        }
        return std::make_unique<SequencePre>(std::move(parts));
    }
    throw InputError("unknown pre-tokenizer type \"" + type + "\"", where,
                     "supported: ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit, Digits, "
                     "Punctuation, CharDelimiterSplit, BertPreTokenizer, Sequence");
}

}  // namespace llmap
