#include "tokenize/unigram_model.h"

#include <algorithm>
#include <cstdio>

#include "tokenize/unicode_text.h"

namespace llmap {

UnigramModel::UnigramModel(std::vector<std::pair<std::string, double>> pieces,
                           std::optional<int32_t> unkId, bool byteFallback)
    : pieces_(std::move(pieces)), unkId_(unkId), byteFallback_(byteFallback) {
    double minScore = 0;
    bool first = true;
    vocab_.reserve(pieces_.size() * 2);
    for (size_t i = 0; i < pieces_.size(); ++i) {
        vocab_.emplace(pieces_[i].first, static_cast<int32_t>(i));
        maxPieceBytes_ = std::max(maxPieceBytes_, pieces_[i].first.size());
        if (first || pieces_[i].second < minScore) minScore = pieces_[i].second;
        first = false;
    }
    unkScore_ = minScore - 10.0;
}

std::optional<int32_t> UnigramModel::tokenToId(std::string_view token) const {
    auto it = vocab_.find(std::string(token));
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

std::string UnigramModel::idToToken(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return {};
    return pieces_[static_cast<size_t>(id)].first;
}

void UnigramModel::tokenize(std::string_view text, std::vector<int32_t>& out) const {
    if (text.empty()) return;
    std::string key(text);
    {
        std::lock_guard<std::mutex> lock(cacheMutex_);
        auto it = cache_.find(key);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    struct Node {
        int32_t id = -1;
        long start = -1;  // -1: not reached
        double score = 0;
    };
    const size_t n = text.size();
    std::vector<Node> best(n + 1);
    best[0].start = 0;
    std::string scratch;
    for (size_t start = 0; start < n;) {
        const size_t charLen =
            std::min(unicode::sequenceLength(static_cast<unsigned char>(text[start])), n - start);
        const double here = best[start].score;
        bool singleChar = false;
        // Every vocabulary piece that starts here, shortest first (as a prefix-trie walk).
        for (size_t end = start + 1; end <= n && end - start <= maxPieceBytes_; ++end) {
            scratch.assign(text.substr(start, end - start));
            auto it = vocab_.find(scratch);
            if (it == vocab_.end()) continue;
            const double cand = here + pieces_[static_cast<size_t>(it->second)].second;
            Node& target = best[end];
            if (target.start < 0 || cand > target.score) {
                target.score = cand;
                target.start = static_cast<long>(start);
                target.id = it->second;
            }
            if (end - start == charLen) singleChar = true;
        }
        if (!singleChar) {
            Node& target = best[start + charLen];
            const double cand = here + unkScore_;
            if (target.start < 0 || cand > target.score) {
                target.score = cand;
                target.start = static_cast<long>(start);
                target.id = unkId_ ? *unkId_ : -1;
            }
        }
        start += charLen;
    }
    // Back-track; consecutive unknown pieces are fused into one.
    std::vector<std::pair<size_t, size_t>> spans;  // [start, end) of each piece, reversed
    std::vector<bool> unknown;
    for (size_t end = n; end > 0;) {
        const Node& node = best[end];
        const auto start = static_cast<size_t>(node.start);
        const bool isUnk = unkId_ && node.id == *unkId_;
        if (isUnk && !unknown.empty() && unknown.back()) {
            spans.back().first = start;
        } else {
            spans.emplace_back(start, end);
            unknown.push_back(isUnk);
        }
        end = start;
    }
    std::vector<int32_t> ids;
    char byteName[8];
    for (size_t k = spans.size(); k-- > 0;) {
        const auto [s, e] = spans[k];
        scratch.assign(text.substr(s, e - s));
        auto it = vocab_.find(scratch);
        if (it != vocab_.end()) {
            ids.push_back(it->second);
            continue;
        }
        if (byteFallback_) {
            std::vector<int32_t> bytes;
            for (size_t b = s; b < e; ++b) {
                std::snprintf(byteName, sizeof byteName, "<0x%02X>",
                              static_cast<unsigned char>(text[b]));
                auto bt = vocab_.find(byteName);
                if (bt == vocab_.end()) break;
                bytes.push_back(bt->second);
            }
            if (bytes.size() == e - s) {
                ids.insert(ids.end(), bytes.begin(), bytes.end());
                continue;
            }
        }
        if (unkId_) ids.push_back(*unkId_);
    }
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= kCacheLimit) cache_.clear();
    cache_.emplace(std::move(key), std::move(ids));
}

}  // namespace llmap
