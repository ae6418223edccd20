#include "tokenize/pipeline_tokenizer.h"

#include <algorithm>

#include "tokenize/unicode_text.h"
#include "util/utf8.h"

namespace llmap {

std::vector<int32_t> PipelineTokenizer::encode(std::string_view text, bool addSpecialTokens) const {
    std::vector<int32_t> ids;
    std::vector<Segment> segments;
    segments.push_back(
        {isValidUtf8(text) ? std::string(text) : unicode::sanitizeUtf8(text), std::nullopt, true});
    p_.added.split(segments, false);
    if (p_.normalizer) {
        for (auto& s : segments) {
            if (!s.id) p_.normalizer->apply(s.text);
        }
    }
    p_.added.split(segments, true);
    std::vector<Piece> pieces;
    for (const auto& s : segments) {
        if (s.id) {
            ids.push_back(*s.id);
            continue;
        }
        if (s.text.empty()) continue;
        pieces.clear();
        pieces.push_back({s.text, s.atStart});
        if (p_.preTokenizer) p_.preTokenizer->apply(pieces);
        for (const auto& piece : pieces) p_.model->tokenize(piece.text, ids);
    }
    if (addSpecialTokens) p_.postProcessor.apply(ids);
    return ids;
}

std::string PipelineTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        std::string t = p_.model->idToToken(id);
        if (t.empty()) {
            for (const auto& a : p_.added.tokens()) {
                if (a.id == id) t = a.content;
            }
        }
        tokens.push_back(std::move(t));
    }
    if (p_.decoder) p_.decoder->apply(tokens);
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
}

std::optional<int32_t> PipelineTokenizer::tokenId(std::string_view token) const {
    if (auto id = p_.added.find(token)) return id;
    return p_.model->tokenToId(token);
}

size_t PipelineTokenizer::vocabSize() const {
    size_t n = p_.model->vocabSize();
    for (const auto& a : p_.added.tokens()) n = std::max(n, static_cast<size_t>(a.id) + 1);
    return n;
}

}  // namespace llmap
