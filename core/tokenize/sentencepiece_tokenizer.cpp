// tokenizer.model: SentencePiece through libsentencepiece. As transformers does, the control and
// unknown pieces (<s>, </s>, <unk>, ...) written in the text are cut out first and
// become their own ids, and BOS/EOS are added only when tokenizer_config.json asks for them.
#include <sentencepiece_processor.h>

#include <filesystem>

#include "tokenize/added_vocabulary.h"
#include "tokenize/file_bytes.h"
#include "tokenize/loaders.h"
#include "tokenize/special_tokens_config.h"
#include "tokenize/unicode_text.h"
#include "util/error.h"

namespace llmap {

namespace {

class SentencePieceTokenizer : public Tokenizer {
public:
    SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> sp, bool addBos,
                           bool addEos)
        : sp_(std::move(sp)), addBos_(addBos), addEos_(addEos) {
        for (int i = 0; i < sp_->GetPieceSize(); ++i) {
            if (sp_->IsControl(i) || sp_->IsUnknown(i)) {
                AddedToken a;
                a.id = i;
                a.content = sp_->IdToPiece(i);
                a.special = true;
                specials_.add(a);
            }
        }
        specials_.normalizeContents(nullptr);
    }

    std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens) const override {
        std::vector<Segment> segments{{unicode::sanitizeUtf8(text), std::nullopt, true}};
        specials_.split(segments, false);
        std::vector<int32_t> out;
        if (addSpecialTokens && addBos_ && sp_->bos_id() >= 0) out.push_back(sp_->bos_id());
        std::vector<int> ids;
        for (const auto& s : segments) {
            if (s.id) {
                out.push_back(*s.id);
                continue;
            }
            const auto status = sp_->Encode(s.text, &ids);
            if (!status.ok()) {
                throw Error("SentencePiece could not encode the text: " + status.ToString());
            }
            out.insert(out.end(), ids.begin(), ids.end());
        }
        if (addSpecialTokens && addEos_ && sp_->eos_id() >= 0) out.push_back(sp_->eos_id());
        return out;
    }
    std::string decode(const std::vector<int32_t>& ids) const override {
        std::string text;
        const std::vector<int> in(ids.begin(), ids.end());
        for (int id : in) {
            if (id < 0 || id >= sp_->GetPieceSize()) return text;
        }
        (void)sp_->Decode(in, &text);
        return text;
    }
    std::optional<int32_t> bosId() const override { return idOrNone(sp_->bos_id()); }
    std::optional<int32_t> eosId() const override { return idOrNone(sp_->eos_id()); }
    std::optional<int32_t> tokenId(std::string_view token) const override {
        const int id = sp_->PieceToId(std::string(token));
        if (id == sp_->unk_id() && sp_->IdToPiece(id) != token) return std::nullopt;
        return id;
    }
    size_t vocabSize() const override { return static_cast<size_t>(sp_->GetPieceSize()); }
    std::string kind() const override { return "sentencepiece"; }

private:
    static std::optional<int32_t> idOrNone(int id) {
        return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
    }
    std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
    bool addBos_, addEos_;
    AddedVocabulary specials_;
};

}  // namespace

std::unique_ptr<Tokenizer> loadSentencePiece(const std::string& path) {
    auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto status =
        isGzipPath(path) ? sp->LoadFromSerializedProto(readFileBytes(path)) : sp->Load(path);
    if (!status.ok()) {
        throw InputError("not a readable SentencePiece model (" + status.ToString() + ")", path,
                         "download tokenizer.model again");
    }
    const auto folder = std::filesystem::path(path).parent_path().string();
    const SpecialTokensConfig cfg = readSpecialTokensConfig(folder.empty() ? "." : folder);
    // transformers 5 (no tokenizer.json): add_bos_token / add_eos_token from the config, default
    // no.
    const bool addBos = cfg.addBos.value_or(false);
    const bool addEos = cfg.addEos.value_or(false);
    return std::make_unique<SentencePieceTokenizer>(std::move(sp), addBos, addEos);
}

}  // namespace llmap
