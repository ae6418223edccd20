// tokenizer.model: a SentencePiece model, read by our own protobuf reader and assembled into the
// same pipeline as tokenizer.json (the SentencePiece library embeds a protobuf that clashes with
// libtorch's). As transformers does, the control and unknown pieces (<s>, </s>, <unk>, ...) written
// in the text are cut out first and become their own ids, and BOS/EOS are added only when
// tokenizer_config.json asks for them.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tokenize/loaders.h"
#include "tokenize/pipeline_tokenizer.h"
#include "tokenize/sentencepiece_model_proto.h"
#include "tokenize/special_tokens_config.h"
#include "tokenize/spm_score_model.h"
#include "tokenize/unigram_model.h"
#include "util/compressed_file.h"
#include "util/error.h"

namespace llmap {

namespace {

std::optional<int32_t> pieceId(int32_t id, size_t pieces) {
    if (id < 0 || static_cast<size_t>(id) >= pieces) return std::nullopt;
    return id;
}

// SentencePiece's own normalisation without a character map: drop extra spaces, add the dummy
// prefix, write spaces as U+2581.
nlohmann::json normalizerSpec(const SentencePieceModelProto& m) {
    const std::string meta = "\xE2\x96\x81";
    nlohmann::json steps = nlohmann::json::array();
    if (m.removeExtraWhitespaces) {
        steps.push_back(
            {{"type", "Replace"}, {"pattern", {{"Regex", "\\A +| +\\z"}}}, {"content", ""}});
        steps.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
    }
    if (m.addDummyPrefix)
        steps.push_back({{"type", "Prepend"}, {"prepend", m.escapeWhitespaces ? meta : " "}});
    if (m.escapeWhitespaces) {
        steps.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", meta}});
    }
    return {{"type", "Sequence"}, {"normalizers", steps}};
}

}  // namespace

std::unique_ptr<Tokenizer> loadSentencePiece(const std::string& path) {
    const SentencePieceModelProto m = parseSentencePieceModel(readInputFile(path), path);
    if (!m.precompiledCharsmap.empty()) {
        throw InputError("the normalization rule \"" + m.normalizerName +
                             "\" (a precompiled character map) is not supported",
                         path, "use the model folder's tokenizer.json instead");
    }
    const size_t n = m.pieces.size();
    PipelineParts parts;
    parts.kind = "sentencepiece";
    const auto unk = pieceId(m.unkId, n);
    if (m.modelType == SentencePieceModelProto::Bpe) {
        std::vector<std::string> tokens;
        std::vector<float> scores;
        for (const auto& p : m.pieces) {
            tokens.push_back(p.text);
            // Control, unknown and unused pieces never come out of a merge.
            const bool mergeable = p.type == SentencePieceModelProto::Normal ||
                                   p.type == SentencePieceModelProto::UserDefined;
            scores.push_back(mergeable ? p.score : -1e30f);
        }
        parts.model = std::make_unique<SpmScoreModel>(std::move(tokens), std::move(scores), unk);
    } else if (m.modelType == SentencePieceModelProto::Unigram) {
        std::vector<std::pair<std::string, double>> pieces;
        for (const auto& p : m.pieces) pieces.emplace_back(p.text, p.score);
        parts.model = std::make_unique<UnigramModel>(std::move(pieces), unk, m.byteFallback);
    } else {
        throw InputError("SentencePiece model type " + std::to_string(m.modelType) +
                             " (word or char) is not supported",
                         path, "supported: unigram, bpe");
    }
    parts.normalizer = makeNormalizer(normalizerSpec(m), path);
    parts.decoder = makeSentencePieceDecoder();
    for (size_t i = 0; i < n; ++i) {
        const int type = m.pieces[i].type;
        if (type == SentencePieceModelProto::Control || type == SentencePieceModelProto::Unknown ||
            type == SentencePieceModelProto::UserDefined) {
            AddedToken a;
            a.id = static_cast<int32_t>(i);
            a.content = m.pieces[i].text;
            a.special = type != SentencePieceModelProto::UserDefined;
            a.normalized = type == SentencePieceModelProto::UserDefined;
            parts.added.add(a);
        }
    }
    parts.bos = pieceId(m.bosId, n);
    parts.eos = pieceId(m.eosId, n);
    const auto folder = std::filesystem::path(path).parent_path().string();
    const SpecialTokensConfig cfg = readSpecialTokensConfig(folder.empty() ? "." : folder);
    // transformers 5 (no tokenizer.json): add_bos_token / add_eos_token from the config, default
    // no.
    if (cfg.addBos.value_or(false) && parts.bos) parts.postProcessor.prefix.push_back(*parts.bos);
    if (cfg.addEos.value_or(false) && parts.eos) parts.postProcessor.suffix.push_back(*parts.eos);
    return std::make_unique<PipelineTokenizer>(std::move(parts));
}

}  // namespace llmap
