#include "tokenize/normalizers.h"

#include <utf8proc.h>
#include <nlohmann/json.hpp>

#include <vector>

#include "tokenize/onig_regex.h"
#include "tokenize/unicode_text.h"
#include "util/error.h"

namespace llmap {

namespace {

using unicode::NormalForm;

class UnicodeNormalizer : public Normalizer {
public:
    explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
    void apply(std::string& text) const override { text = unicode::normalize(text, form_); }

private:
    NormalForm form_;
};

class Lowercase : public Normalizer {
public:
    void apply(std::string& text) const override { text = unicode::lowercase(text); }
};

class Strip : public Normalizer {
public:
    Strip(bool left, bool right) : left_(left), right_(right) {}
    void apply(std::string& text) const override {
        const std::u32string cps = unicode::toCodePoints(text);
        size_t b = 0, e = cps.size();
        if (left_) {
            while (b < e && unicode::isWhitespace(cps[b])) ++b;
        }
        if (right_) {
            while (e > b && unicode::isWhitespace(cps[e - 1])) --e;
        }
        if (b == 0 && e == cps.size()) return;
        std::string out;
        for (size_t i = b; i < e; ++i) unicode::appendUtf8(out, cps[i]);
        text = std::move(out);
    }

private:
    bool left_, right_;
};

class StripAccents : public Normalizer {
public:
    void apply(std::string& text) const override {
        std::string out;
        out.reserve(text.size());
        for (size_t pos = 0; pos < text.size();) {
            const char32_t c = unicode::decodeAt(text, pos);
            if (!unicode::isCombiningMark(c)) unicode::appendUtf8(out, c);
        }
        text = std::move(out);
    }
};

class Replace : public Normalizer {
public:
    Replace(const std::string& pattern, std::string content, const std::string& where)
        : regex_(pattern, where), content_(std::move(content)) {}
    void apply(std::string& text) const override {
        const auto matches = regex_.findAll(text);
        if (matches.empty()) return;
        std::string out;
        out.reserve(text.size());
        size_t last = 0;
        for (const auto& [s, e] : matches) {
            out.append(text, last, s - last);
            out.append(content_);
            last = e;
        }
        out.append(text, last, std::string::npos);
        text = std::move(out);
    }

private:
    OnigRegex regex_;
    std::string content_;
};

class Prepend : public Normalizer {
public:
    explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
    void apply(std::string& text) const override {
        if (!text.empty()) text.insert(0, prefix_);
    }

private:
    std::string prefix_;
};

class BertNormalizer : public Normalizer {
public:
    BertNormalizer(bool clean, bool chinese, bool stripAccents, bool lowercase)
        : clean_(clean), chinese_(chinese), stripAccents_(stripAccents), lowercase_(lowercase) {}
    void apply(std::string& text) const override {
        std::string out;
        out.reserve(text.size());
        for (size_t pos = 0; pos < text.size();) {
            const char32_t c = unicode::decodeAt(text, pos);
            if (clean_) {
                if (c == 0 || c == 0xFFFD) continue;
                const bool ctrl =
                    c != '\t' && c != '\n' && c != '\r' && (unicode::isControl(c) || isFormat(c));
                if (ctrl) continue;
                if (unicode::isWhitespace(c)) {
                    out.push_back(' ');
                    continue;
                }
            }
            if (chinese_ && unicode::isChineseChar(c)) {
                out.push_back(' ');
                unicode::appendUtf8(out, c);
                out.push_back(' ');
                continue;
            }
            unicode::appendUtf8(out, c);
        }
        if (stripAccents_) {
            const std::string nfd = unicode::normalize(out, NormalForm::NFD);
            out.clear();
            for (size_t pos = 0; pos < nfd.size();) {
                const char32_t c = unicode::decodeAt(nfd, pos);
                if (!unicode::isMark(c)) unicode::appendUtf8(out, c);
            }
        }
        if (lowercase_) out = unicode::lowercase(out);
        text = std::move(out);
    }

private:
    static bool isFormat(char32_t c);
    bool clean_, chinese_, stripAccents_, lowercase_;
};

class SequenceNormalizer : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts)
        : parts_(std::move(parts)) {}
    void apply(std::string& text) const override {
        for (const auto& p : parts_) p->apply(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

bool BertNormalizer::isFormat(char32_t c) {
    const auto k = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CN || k == UTF8PROC_CATEGORY_CO ||
           k == UTF8PROC_CATEGORY_CS;
}

std::string patternOf(const nlohmann::json& pattern, const std::string& where) {
    if (pattern.contains("String"))
        return OnigRegex::escape(pattern.at("String").get<std::string>());
    if (pattern.contains("Regex")) return pattern.at("Regex").get<std::string>();
    throw InputError("pattern must be {\"String\": ...} or {\"Regex\": ...}", where,
                     "fix the tokenizer file");
}
}  // namespace

std::unique_ptr<Normalizer> makeNormalizer(const nlohmann::json& spec, const std::string& where) {
    if (spec.is_null()) return nullptr;
    const std::string type = spec.value("type", "");
    if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFC);
    if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFD);
    if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKC);
    if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKD);
    if (type == "Lowercase") return std::make_unique<Lowercase>();
    if (type == "Strip") {
        return std::make_unique<Strip>(spec.value("strip_left", true),
                                       spec.value("strip_right", true));
    }
    if (type == "StripAccents") return std::make_unique<StripAccents>();
    if (type == "Replace") {
        return std::make_unique<Replace>(patternOf(spec.at("pattern"), where),
                                         spec.at("content").get<std::string>(), where);
    }
    if (type == "Prepend") return std::make_unique<Prepend>(spec.at("prepend").get<std::string>());
    if (type == "BertNormalizer") {
        const bool lower = spec.value("lowercase", true);
        bool strip = lower;
        if (spec.contains("strip_accents") && !spec.at("strip_accents").is_null()) {
            strip = spec.at("strip_accents").get<bool>();
        }
        return std::make_unique<BertNormalizer>(
            spec.value("clean_text", true), spec.value("handle_chinese_chars", true), strip, lower);
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Normalizer>> parts;
        for (const auto& p : spec.at("normalizers")) {
            if (auto n = makeNormalizer(p, where)) parts.push_back(std::move(n));
        }
        return std::make_unique<SequenceNormalizer>(std::move(parts));
    }
    throw InputError("unknown normalizer type \"" + type + "\"", where,
                     "supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, "
                     "Prepend, BertNormalizer, Sequence");
}

}  // namespace llmap
