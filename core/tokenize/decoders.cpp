#include "tokenize/decoders.h"

#include <nlohmann/json.hpp>

#include "tokenize/onig_regex.h"
#include "tokenize/unicode_text.h"
#include "util/error.h"
#include "util/utf8.h"

namespace llmap {

namespace {

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
        s.replace(p, from.size(), to);
    }
}

class ByteLevelDecoder : public Decoder {
public:
    void apply(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const auto& t : tokens) {
            for (size_t pos = 0; pos < t.size();) {
                const size_t s = pos;
                const char32_t c = unicode::decodeAt(t, pos);
                const int b = unicode::unicodeToByte(c);
                if (b >= 0)
                    bytes.push_back(static_cast<char>(b));
                else
                    bytes.append(t, s, pos - s);
            }
        }
        tokens.assign(1, unicode::sanitizeUtf8(bytes));
    }
};

class ByteFallbackDecoder : public Decoder {
public:
    void apply(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        std::string pending;
        size_t pendingCount = 0;
        auto flush = [&] {
            if (pendingCount == 0) return;
            if (isValidUtf8(pending)) {
                out.push_back(pending);
            } else {
                for (size_t i = 0; i < pendingCount; ++i) out.push_back("\xEF\xBF\xBD");
            }
            pending.clear();
            pendingCount = 0;
        };
        for (const auto& t : tokens) {
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
                try {
                    pending.push_back(static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16)));
                    ++pendingCount;
                    continue;
                } catch (const std::exception&) {
                }
            }
            flush();
            out.push_back(t);
        }
        flush();
        tokens = std::move(out);
    }
};

class MetaspaceDecoder : public Decoder {
public:
    MetaspaceDecoder(std::string replacement, bool stripFirst)
        : replacement_(std::move(replacement)), stripFirst_(stripFirst) {}
    void apply(std::vector<std::string>& tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i) {
            replaceAll(tokens[i], replacement_, " ");
            if (i == 0 && stripFirst_ && !tokens[i].empty() && tokens[i][0] == ' ')
                tokens[i].erase(0, 1);
        }
    }

private:
    std::string replacement_;
    bool stripFirst_;
};

class FuseDecoder : public Decoder {
public:
    void apply(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const auto& t : tokens) all += t;
        tokens.assign(1, all);
    }
};

class StripDecoder : public Decoder {
public:
    StripDecoder(std::string content, size_t start, size_t stop)
        : content_(std::move(content)), start_(start), stop_(stop) {}
    void apply(std::vector<std::string>& tokens) const override {
        for (auto& t : tokens) {
            for (size_t i = 0; i < start_ && t.compare(0, content_.size(), content_) == 0; ++i) {
                t.erase(0, content_.size());
            }
            for (size_t i = 0;
                 i < stop_ && t.size() >= content_.size() &&
                 t.compare(t.size() - content_.size(), content_.size(), content_) == 0;
                 ++i) {
                t.erase(t.size() - content_.size());
            }
        }
    }

private:
    std::string content_;
    size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
public:
    ReplaceDecoder(const std::string& pattern, std::string content, const std::string& where)
        : regex_(pattern, where), content_(std::move(content)) {}
    void apply(std::vector<std::string>& tokens) const override {
        for (auto& t : tokens) {
            std::string out;
            size_t last = 0;
            for (const auto& [s, e] : regex_.findAll(t)) {
                out.append(t, last, s - last);
                out += content_;
                last = e;
            }
            out.append(t, last, std::string::npos);
            t = std::move(out);
        }
    }

private:
    OnigRegex regex_;
    std::string content_;
};

class WordPieceDecoder : public Decoder {
public:
    explicit WordPieceDecoder(std::string prefix) : prefix_(std::move(prefix)) {}
    void apply(std::vector<std::string>& tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i) {
            auto& t = tokens[i];
            if (t.compare(0, prefix_.size(), prefix_) == 0)
                t.erase(0, prefix_.size());
            else if (i > 0)
                t.insert(0, " ");
        }
    }

private:
    std::string prefix_;
};

class BpeSuffixDecoder : public Decoder {
public:
    explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
    void apply(std::vector<std::string>& tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i) {
            replaceAll(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
        }
    }

private:
    std::string suffix_;
};

class SequenceDecoder : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts)
        : parts_(std::move(parts)) {}
    void apply(std::vector<std::string>& tokens) const override {
        for (const auto& p : parts_) p->apply(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::unique_ptr<Decoder> makeByteLevelDecoder() {
    return std::make_unique<ByteLevelDecoder>();
}

std::unique_ptr<Decoder> makeSentencePieceDecoder() {
    std::vector<std::unique_ptr<Decoder>> parts;
    parts.push_back(std::make_unique<ByteFallbackDecoder>());
    parts.push_back(std::make_unique<FuseDecoder>());
    parts.push_back(std::make_unique<MetaspaceDecoder>("\xE2\x96\x81", true));
    return std::make_unique<SequenceDecoder>(std::move(parts));
}

std::unique_ptr<Decoder> makeDecoder(const nlohmann::json& spec, const std::string& where) {
    if (spec.is_null()) return nullptr;
    const std::string type = spec.value("type", "");
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Metaspace") {
        const std::string scheme = spec.value("prepend_scheme", "always");
        const bool strip = scheme != "never" && spec.value("add_prefix_space", true);
        const std::string replacement = spec.value("replacement", "\xE2\x96\x81");
        unicode::requireOneCharacter(replacement, "Metaspace decoder replacement", where);
        return std::make_unique<MetaspaceDecoder>(replacement, strip);
    }
    if (type == "Strip") {
        return std::make_unique<StripDecoder>(spec.at("content").get<std::string>(),
                                              spec.value("start", size_t{0}),
                                              spec.value("stop", size_t{0}));
    }
    if (type == "Replace") {
        const auto& pat = spec.at("pattern");
        const std::string pattern = pat.contains("String")
                                        ? OnigRegex::escape(pat.at("String").get<std::string>())
                                        : pat.at("Regex").get<std::string>();
        return std::make_unique<ReplaceDecoder>(pattern, spec.at("content").get<std::string>(),
                                                where);
    }
    if (type == "WordPiece") return std::make_unique<WordPieceDecoder>(spec.value("prefix", "##"));
    if (type == "BPEDecoder")
        return std::make_unique<BpeSuffixDecoder>(spec.value("suffix", "</w>"));
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Decoder>> parts;
        for (const auto& d : spec.at("decoders")) {
            if (auto p = makeDecoder(d, where)) parts.push_back(std::move(p));
        }
        return std::make_unique<SequenceDecoder>(std::move(parts));
    }
    throw InputError("unknown decoder type \"" + type + "\"", where,
                     "supported: ByteLevel, ByteFallback, Fuse, Metaspace, Strip, Replace, "
                     "WordPiece, BPEDecoder, Sequence");
}

}  // namespace llmap
