#include "tokenize/spm_score_model.h"

#include <cstdio>
#include <functional>
#include <map>
#include <queue>

#include "tokenize/unicode_text.h"

namespace llmap {

SpmScoreModel::SpmScoreModel(std::vector<std::string> tokens, std::vector<float> scores,
                             std::optional<int32_t> unk)
    : tokens_(std::move(tokens)), scores_(std::move(scores)), unk_(unk) {
    scores_.resize(tokens_.size(), 0.0f);
    vocab_.reserve(tokens_.size() * 2);
    for (size_t i = 0; i < tokens_.size(); ++i) vocab_.emplace(tokens_[i], static_cast<int32_t>(i));
    byteIds_ = byteFallbackIds(vocab_);
}

std::optional<int32_t> SpmScoreModel::tokenToId(std::string_view token) const {
    auto it = vocab_.find(std::string(token));
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

std::string SpmScoreModel::idToToken(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return {};
    return tokens_[static_cast<size_t>(id)];
}

void SpmScoreModel::tokenize(std::string_view text, std::vector<int32_t>& out) const {
    struct Symbol {
        int prev, next;
        size_t start, len;
    };
    std::vector<Symbol> symbols;
    for (size_t pos = 0; pos < text.size();) {
        size_t len = std::min(unicode::sequenceLength(static_cast<unsigned char>(text[pos])),
                              text.size() - pos);
        const int idx = static_cast<int>(symbols.size());
        symbols.push_back({idx - 1, pos + len == text.size() ? -1 : idx + 1, pos, len});
        pos += len;
    }
    struct Bigram {
        int left, right;
        float score;
        size_t size;
        bool operator<(const Bigram& o) const {
            return score < o.score || (score == o.score && left > o.left);
        }
    };
    std::priority_queue<Bigram> queue;
    std::map<std::string, std::pair<int, int>> revMerge;
    std::string scratch;
    auto tryAdd = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[static_cast<size_t>(left)];
        const Symbol& r = symbols[static_cast<size_t>(right)];
        scratch.assign(text.substr(l.start, l.len + r.len));
        auto it = vocab_.find(scratch);
        if (it == vocab_.end()) return;
        queue.push({left, right, scores_[static_cast<size_t>(it->second)], scratch.size()});
        revMerge[scratch] = {left, right};
    };
    for (int i = 1; i < static_cast<int>(symbols.size()); ++i) tryAdd(i - 1, i);
    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& l = symbols[static_cast<size_t>(b.left)];
        Symbol& r = symbols[static_cast<size_t>(b.right)];
        if (l.len == 0 || r.len == 0 || l.len + r.len != b.size) continue;
        l.len += r.len;
        r.len = 0;
        l.next = r.next;
        if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = b.left;
        tryAdd(l.prev, b.left);
        tryAdd(b.left, l.next);
    }
    // Emits a symbol, splitting pieces that are not tokens back along their merges, then bytes.
    std::function<void(size_t, size_t)> resegment = [&](size_t start, size_t len) {
        const std::string piece(text.substr(start, len));
        auto it = vocab_.find(piece);
        if (it != vocab_.end()) {
            out.push_back(it->second);
            return;
        }
        auto m = revMerge.find(piece);
        if (m == revMerge.end()) {
            for (size_t k = 0; k < len; ++k) {
                const int32_t id = byteIds_[static_cast<unsigned char>(text[start + k])];
                if (id >= 0)
                    out.push_back(id);
                else if (unk_)
                    out.push_back(*unk_);
            }
            return;
        }
        const Symbol& a = symbols[static_cast<size_t>(m->second.first)];
        const Symbol& c = symbols[static_cast<size_t>(m->second.second)];
        resegment(a.start, c.start - a.start);
        resegment(c.start, start + len - c.start);
    };
    for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
        const Symbol& s = symbols[static_cast<size_t>(i)];
        resegment(s.start, s.len);
    }
}

}  // namespace llmap
