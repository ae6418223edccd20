#include "tokenize/bpe_model.h"

#include <cstdio>
#include <queue>

#include "tokenize/unicode_text.h"
#include "util/error.h"

namespace llmap {

BpeModel::BpeModel(std::vector<std::string> idToToken,
                   std::vector<std::pair<std::string, std::string>> merges, BpeOptions options,
                   const std::string& where)
    : idToToken_(std::move(idToToken)), options_(std::move(options)) {
    vocab_.reserve(idToToken_.size() * 2);
    for (size_t i = 0; i < idToToken_.size(); ++i) {
        if (!idToToken_[i].empty()) vocab_.emplace(idToToken_[i], static_cast<int32_t>(i));
    }
    merges_.reserve(merges.size() * 2);
    const std::string& prefix = options_.continuingSubwordPrefix;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        auto ia = vocab_.find(a), ib = vocab_.find(b);
        std::string merged = a + (prefix.empty() || b.compare(0, prefix.size(), prefix) != 0
                                      ? b
                                      : b.substr(prefix.size()));
        auto im = vocab_.find(merged);
        if (ia == vocab_.end() || ib == vocab_.end() || im == vocab_.end()) {
            const std::string missing = ia == vocab_.end() ? a : ib == vocab_.end() ? b : merged;
            throw InputError("merge " + std::to_string(rank + 1) + " (\"" + a + "\" \"" + b +
                                 "\") refers to \"" + missing +
                                 "\", which is not in the vocabulary",
                             where, "use a merges list that belongs to this vocabulary");
        }
        const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(ia->second)) << 32) |
                             static_cast<uint32_t>(ib->second);
        merges_.emplace(key, std::make_pair(static_cast<int32_t>(rank), im->second));
    }
    if (options_.unkToken) {
        auto it = vocab_.find(*options_.unkToken);
        if (it != vocab_.end()) unkId_ = it->second;
    }
    if (options_.byteFallback) {
        byteIds_ = byteFallbackIds(vocab_);
    }
}

void BpeModel::useLlamaClassOptions() {
    options_.fuseUnk = true;
    options_.unkToken.reset();
    unkId_.reset();
    if (!options_.byteFallback) {
        options_.byteFallback = true;
        byteIds_ = byteFallbackIds(vocab_);
    }
    std::lock_guard<std::mutex> lock(cacheMutex_);
    cache_.clear();
}

std::optional<int32_t> BpeModel::tokenToId(std::string_view token) const {
    auto it = vocab_.find(std::string(token));
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

std::string BpeModel::idToToken(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= idToToken_.size()) return {};
    return idToToken_[static_cast<size_t>(id)];
}

void BpeModel::tokenize(std::string_view piece, std::vector<int32_t>& out) const {
    if (piece.empty()) return;
    const bool newlines =
        options_.wholeNewlineRuns && piece.find_first_not_of('\n') == std::string_view::npos;
    if (options_.ignoreMerges || newlines) {
        auto it = vocab_.find(std::string(piece));
        if (it != vocab_.end()) {
            out.push_back(it->second);
            return;
        }
    }
    std::string key(piece);
    {
        std::lock_guard<std::mutex> lock(cacheMutex_);
        auto it = cache_.find(key);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int32_t> ids;
    mergeWord(piece, ids);
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= kCacheLimit) cache_.clear();
    cache_.emplace(std::move(key), std::move(ids));
}

void BpeModel::mergeWord(std::string_view piece, std::vector<int32_t>& out) const {
    struct Symbol {
        int32_t id;
        int prev;
        int next;
    };
    std::vector<Symbol> symbols;
    symbols.reserve(piece.size());
    std::string scratch;
    bool lastWasUnk = false;
    auto push = [&](int32_t id) {
        const int n = static_cast<int>(symbols.size());
        symbols.push_back({id, n - 1, -1});
        if (n > 0) symbols[static_cast<size_t>(n - 1)].next = n;
    };
    for (size_t pos = 0; pos < piece.size();) {
        const size_t start = pos;
        size_t len = unicode::sequenceLength(static_cast<unsigned char>(piece[pos]));
        if (pos + len > piece.size()) len = piece.size() - pos;
        pos += len;
        scratch.assign(piece.substr(start, len));
        if (start > 0 && !options_.continuingSubwordPrefix.empty()) {
            scratch.insert(0, options_.continuingSubwordPrefix);
        }
        if (pos == piece.size() && !options_.endOfWordSuffix.empty()) {
            scratch += options_.endOfWordSuffix;
        }
        auto it = vocab_.find(scratch);
        if (it != vocab_.end()) {
            push(it->second);
            lastWasUnk = false;
            continue;
        }
        if (options_.byteFallback) {
            bool all = true;
            for (size_t i = start; i < pos; ++i) {
                if (byteIds_[static_cast<unsigned char>(piece[i])] < 0) all = false;
            }
            if (all) {
                for (size_t i = start; i < pos; ++i)
                    push(byteIds_[static_cast<unsigned char>(piece[i])]);
                lastWasUnk = false;
                continue;
            }
        }
        if (unkId_) {
            if (!(options_.fuseUnk && lastWasUnk)) push(*unkId_);
            lastWasUnk = true;
        }
    }

    struct Candidate {
        int32_t rank;
        int pos;
        int32_t left;
        int32_t right;
        bool operator>(const Candidate& o) const {
            return rank != o.rank ? rank > o.rank : pos > o.pos;
        }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
    auto consider = [&](int i) {
        if (i < 0) return;
        const int j = symbols[static_cast<size_t>(i)].next;
        if (j < 0) return;
        const int32_t a = symbols[static_cast<size_t>(i)].id,
                      b = symbols[static_cast<size_t>(j)].id;
        auto it = merges_.find((static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) |
                               static_cast<uint32_t>(b));
        if (it != merges_.end()) queue.push({it->second.first, i, a, b});
    };
    for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i) consider(i);
    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<size_t>(c.pos)];
        if (left.id != c.left || left.next < 0) continue;  // stale: the left side changed
        Symbol& right = symbols[static_cast<size_t>(left.next)];
        if (right.id != c.right || right.id < 0) continue;
        left.id = merges_
                      .at((static_cast<uint64_t>(static_cast<uint32_t>(c.left)) << 32) |
                          static_cast<uint32_t>(c.right))
                      .second;
        right.id = -1;  // removed
        left.next = right.next;
        if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = c.pos;
        consider(left.prev);
        consider(c.pos);
    }
    for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
        out.push_back(symbols[static_cast<size_t>(i)].id);
    }
}

}  // namespace llmap
