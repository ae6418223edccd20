#include "tokenize/tokenizer_json_reader.h"

#include <charconv>
#include <limits>
#include <optional>

#include "tokenize/dense_vocabulary.h"
#include "util/error.h"

namespace llmap {

namespace {

using json = nlohmann::json;

// The double serde_json (Hugging Face's reader, without float_roundtrip) makes of a JSON number:
// (decimal digits as f64) * or / 10^k. It can differ from the correctly rounded value by one ulp,
// which changes Unigram's Viterbi ties; reproduce it.
double serdeJsonDouble(const std::string& s, double fallback) {
    bool negative = false, afterPoint = false, overflowed = false;
    uint64_t significand = 0;
    int exponent = 0;
    size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        negative = true;
        ++i;
    }
    for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
        if (s[i] == '.') {
            afterPoint = true;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') return fallback;
        const auto digit = static_cast<uint64_t>(s[i] - '0');
        if (overflowed || significand > (UINT64_MAX - digit) / 10) {
            overflowed = true;  // serde ignores the digits that no longer fit
            if (!afterPoint) ++exponent;
            continue;
        }
        significand = significand * 10 + digit;
        if (afterPoint) --exponent;
    }
    if (i < s.size()) {
        int e = 0;
        const char* b = s.data() + i + 1;
        if (*b == '+') ++b;
        if (std::from_chars(b, s.data() + s.size(), e).ec != std::errc()) return fallback;
        exponent += e;
    }
    static const auto pow10 = [] {
        std::vector<double> p(309);
        for (int k = 0; k < 309; ++k)
            p[static_cast<size_t>(k)] = std::stod("1e" + std::to_string(k));
        return p;
    }();
    double f = static_cast<double>(significand);
    for (;;) {
        const int a = exponent < 0 ? -exponent : exponent;
        if (a < 309) {
            f = exponent >= 0 ? f * pow10[static_cast<size_t>(a)]
                              : f / pow10[static_cast<size_t>(a)];
            break;
        }
        if (f == 0.0 || exponent >= 0) return fallback;
        f /= 1e308;
        exponent += 308;
    }
    return negative ? -f : f;
}

class Reader : public json::json_sax_t {
public:
    Reader(TokenizerJson& out, std::string where)
        : out_(out), dom_(out.document, true), where_(std::move(where)) {}

    bool null() override { return streaming_ ? bad("null") : dom_.null(); }
    bool boolean(bool v) override { return streaming_ ? bad("a boolean") : dom_.boolean(v); }
    bool number_integer(number_integer_t v) override {
        return streaming_ ? number(static_cast<double>(v), nullptr, v) : dom_.number_integer(v);
    }
    bool number_unsigned(number_unsigned_t v) override {
        if (!streaming_) return dom_.number_unsigned(v);
        return number(static_cast<double>(v), nullptr,
                      v > static_cast<number_unsigned_t>(INT64_MAX) ? -1 : static_cast<int64_t>(v));
    }
    bool number_float(number_float_t v, const string_t& raw) override {
        return streaming_ ? number(v, &raw, -1) : dom_.number_float(v, raw);
    }
    bool string(string_t& v) override {
        if (!streaming_) return dom_.string(v);
        if (stream_ == Stream::Merges && innerDepth_ == 0) {
            const size_t sp = v.find(' ', 1);
            if (sp == std::string::npos) return fail("merge \"" + v + "\" is not \"left right\"");
            out_.model.merges.emplace_back(v.substr(0, sp), v.substr(sp + 1));
            return true;
        }
        if (innerDepth_ == 1) {
            pair_.push_back(std::move(v));
            return true;
        }
        return bad("a string");
    }
    bool binary(binary_t&) override { return bad("binary data"); }

    bool start_object(std::size_t n) override {
        if (streaming_) return bad("an object");
        ++depth_;
        if (isStreamKey() && !startStream(true)) return false;
        if (streaming_) return true;
        keys_.resize(depth_ + 1);
        return dom_.start_object(n);
    }
    bool key(string_t& k) override {
        if (streaming_) {
            if (stream_ != Stream::VocabObject) return bad("a key");
            pendingKey_ = std::move(k);
            return true;
        }
        keys_[depth_] = k;
        return dom_.key(k);
    }
    bool end_object() override {
        if (streaming_ && innerDepth_ == 0 && stream_ == Stream::VocabObject) return endStream();
        --depth_;
        return dom_.end_object();
    }
    bool start_array(std::size_t n) override {
        if (streaming_) {
            if (stream_ == Stream::VocabObject || innerDepth_ > 0) return bad("a nested list");
            innerDepth_ = 1;
            pair_.clear();
            score_.reset();
            return true;
        }
        ++depth_;
        if (isStreamKey()) return startStream(false);
        keys_.resize(depth_ + 1);
        return dom_.start_array(n);
    }
    bool end_array() override {
        if (streaming_) {
            if (innerDepth_ == 0) return endStream();
            innerDepth_ = 0;
            if (stream_ == Stream::Merges) {
                if (pair_.size() != 2) return fail("a merge is not [left, right]");
                out_.model.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
            } else {
                if (pair_.size() != 1 || !score_)
                    return fail("a Unigram vocabulary entry is not [piece, score]");
                out_.model.scoredPieces.emplace_back(std::move(pair_[0]), *score_);
            }
            return true;
        }
        --depth_;
        return dom_.end_array();
    }
    bool parse_error(std::size_t pos, const std::string& last,
                     const nlohmann::detail::exception& e) override {
        (void)last;
        throw InputError(
            std::string("not valid JSON at byte ") + std::to_string(pos) + ": " + e.what(), where_,
            "download the tokenizer file again");
    }

private:
    enum class Stream { None, VocabObject, VocabList, Merges };

    // Inside root.model, the value of "vocab" or "merges" (depth_ already counts the new
    // container).
    bool isStreamKey() const {
        return depth_ == 3 && keys_.size() > 2 && keys_[1] == "model" &&
               (keys_[2] == "vocab" || keys_[2] == "merges");
    }
    bool startStream(bool object) {
        streaming_ = true;
        innerDepth_ = 0;
        if (keys_[2] == "merges") {
            if (object) return fail("model.merges is not a list");
            stream_ = Stream::Merges;
            out_.model.hasMerges = true;
        } else if (object) {
            stream_ = Stream::VocabObject;
            out_.model.hasVocabObject = true;
        } else {
            stream_ = Stream::VocabList;
            out_.model.hasVocabList = true;
        }
        return true;
    }
    bool endStream() {
        if (stream_ == Stream::VocabObject) {
            out_.model.idToToken =
                denseVocabulary(std::move(vocabEntries_), where_, "fix the tokenizer file");
        }
        streaming_ = false;
        stream_ = Stream::None;
        --depth_;
        return dom_.null();  // placeholder in the document
    }
    bool number(double v, const string_t* raw, int64_t integer) {
        if (stream_ == Stream::VocabObject) {
            if (integer < 0 || integer > std::numeric_limits<int32_t>::max()) {
                return fail("vocabulary entry \"" + pendingKey_ + "\" has no valid id");
            }
            vocabEntries_.emplace_back(static_cast<uint32_t>(integer), std::move(pendingKey_));
            return true;
        }
        if (stream_ == Stream::VocabList && innerDepth_ == 1) {
            score_ = raw ? serdeJsonDouble(*raw, v) : v;
            return true;
        }
        return bad("a number");
    }
    bool bad(const std::string& what) {
        return fail(std::string("unexpected ") + what + " in model." +
                    (stream_ == Stream::Merges ? "merges" : "vocab"));
    }
    bool fail(const std::string& what) { throw InputError(what, where_, "fix the tokenizer file"); }

    TokenizerJson& out_;
    nlohmann::detail::json_sax_dom_parser<json> dom_;
    std::string where_;
    size_t depth_ = 0;
    std::vector<std::string> keys_;
    bool streaming_ = false;
    Stream stream_ = Stream::None;
    int innerDepth_ = 0;
    std::string pendingKey_;
    VocabularyEntries vocabEntries_;
    std::vector<std::string> pair_;
    std::optional<double> score_;
};

}  // namespace

TokenizerJson readTokenizerJson(const std::string& text, const std::string& where) {
    TokenizerJson out;
    Reader reader(out, where);
    try {
        json::sax_parse(text, &reader);
    } catch (const json::exception& e) {
        throw InputError(std::string("not valid JSON: ") + e.what(), where,
                         "download the tokenizer file again");
    }
    return out;
}

}  // namespace llmap
