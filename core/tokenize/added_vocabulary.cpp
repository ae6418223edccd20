#include "tokenize/added_vocabulary.h"

#include <algorithm>

#include "tokenize/normalizers.h"
#include "tokenize/unicode_text.h"

namespace llmap {

namespace {
bool isWordChar(char32_t c) {
    return c == '_' || unicode::isAlphanumeric(c);
}

char32_t lastChar(std::string_view s) {
    size_t p = s.size();
    while (p > 0 && (static_cast<unsigned char>(s[p - 1]) & 0xC0) == 0x80) --p;
    if (p > 0) --p;
    return unicode::decodeAt(s, p);
}
}  // namespace

void AddedVocabulary::add(const AddedToken& token) {
    if (token.content.empty()) return;
    auto it = byContent_.find(token.content);
    if (it != byContent_.end()) {
        tokens_[it->second] = token;
        matchText_[it->second] = token.content;
    } else {
        byContent_.emplace(token.content, tokens_.size());
        tokens_.push_back(token);
        matchText_.push_back(token.content);
    }
}

std::optional<int32_t> AddedVocabulary::find(std::string_view content) const {
    auto it = byContent_.find(std::string(content));
    if (it == byContent_.end()) return std::nullopt;
    return tokens_[it->second].id;
}

void AddedVocabulary::normalizeContents(const Normalizer* normalizer) {
    for (size_t i = 0; i < tokens_.size(); ++i) {
        matchText_[i] = tokens_[i].content;
        if (normalizer && tokens_[i].normalized) normalizer->apply(matchText_[i]);
        if (matchText_[i].empty()) matchText_[i] = tokens_[i].content;
    }
    rebuild(raw_, false);
    rebuild(norm_, true);
}

void AddedVocabulary::rebuild(Matcher& m, bool normalized) const {
    for (auto& v : m.byFirstByte) v.clear();
    m.any = false;
    for (size_t i = 0; i < tokens_.size(); ++i) {
        if (tokens_[i].normalized != normalized) continue;
        m.byFirstByte[static_cast<unsigned char>(matchText_[i][0])].push_back(i);
        m.any = true;
    }
    for (auto& v : m.byFirstByte) {
        std::stable_sort(v.begin(), v.end(), [&](size_t a, size_t b) {
            return matchText_[a].size() > matchText_[b].size();
        });
    }
}

void AddedVocabulary::split(std::vector<Segment>& segments, bool normalized) const {
    const Matcher& m = normalized ? norm_ : raw_;
    if (!m.any) return;
    std::vector<Segment> out;
    for (const auto& seg : segments) {
        if (seg.id)
            out.push_back(seg);
        else
            splitOne(seg, m, out);
    }
    segments = std::move(out);
}

void AddedVocabulary::splitOne(const Segment& seg, const Matcher& m,
                               std::vector<Segment>& out) const {
    const std::string& s = seg.text;
    size_t startOffset = 0;
    size_t pos = 0;
    while (pos < s.size()) {
        const auto& cands = m.byFirstByte[static_cast<unsigned char>(s[pos])];
        const AddedToken* hit = nullptr;
        size_t hitLen = 0;
        for (size_t idx : cands) {
            if (s.compare(pos, matchText_[idx].size(), matchText_[idx]) == 0) {
                hit = &tokens_[idx];
                hitLen = matchText_[idx].size();
                break;
            }
        }
        if (!hit) {
            ++pos;
            continue;
        }
        size_t start = pos, stop = pos + hitLen;
        pos = stop;
        if (hit->singleWord) {
            const bool startSpace =
                start == 0 || !isWordChar(lastChar(std::string_view(s).substr(0, start)));
            size_t q = stop;
            const bool stopSpace = stop == s.size() || !isWordChar(unicode::decodeAt(s, q));
            if (!startSpace || !stopSpace) continue;
        }
        if (hit->lstrip) {
            size_t b = start;
            while (b > 0) {
                size_t p = b;
                while (p > 0 && (static_cast<unsigned char>(s[p - 1]) & 0xC0) == 0x80) --p;
                if (p > 0) --p;
                size_t q = p;
                if (!unicode::isWhitespace(unicode::decodeAt(s, q))) break;
                b = p;
            }
            start = std::max(b, startOffset);
        }
        if (hit->rstrip) {
            while (stop < s.size()) {
                size_t q = stop;
                if (!unicode::isWhitespace(unicode::decodeAt(s, q))) break;
                stop = q;
            }
            pos = std::max(pos, stop);
        }
        if (startOffset < start) {
            out.push_back({s.substr(startOffset, start - startOffset), std::nullopt,
                           seg.atStart && startOffset == 0});
        }
        out.push_back({s.substr(start, stop - start), hit->id, false});
        startOffset = stop;
    }
    if (startOffset < s.size()) {
        out.push_back({s.substr(startOffset), std::nullopt, seg.atStart && startOffset == 0});
    }
}

}  // namespace llmap
