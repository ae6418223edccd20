#include "tokenize/word_models.h"

#include "tokenize/unicode_text.h"
#include "util/error.h"

namespace llmap {

WordLevelModel::WordLevelModel(std::vector<std::string> idToToken,
                               std::optional<std::string> unkToken, const std::string& where)
    : idToToken_(std::move(idToToken)) {
    for (size_t i = 0; i < idToToken_.size(); ++i) {
        if (!idToToken_[i].empty()) vocab_.emplace(idToToken_[i], static_cast<int32_t>(i));
    }
    if (unkToken) {
        auto it = vocab_.find(*unkToken);
        if (it == vocab_.end()) {
            throw InputError("unk_token \"" + *unkToken + "\" is not in the vocabulary", where,
                             "add it to the vocabulary or fix unk_token");
        }
        unkId_ = it->second;
    }
}

void WordLevelModel::tokenize(std::string_view piece, std::vector<int32_t>& out) const {
    auto it = vocab_.find(std::string(piece));
    if (it != vocab_.end())
        out.push_back(it->second);
    else if (unkId_)
        out.push_back(*unkId_);
}

std::optional<int32_t> WordLevelModel::tokenToId(std::string_view token) const {
    auto it = vocab_.find(std::string(token));
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

std::string WordLevelModel::idToToken(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= idToToken_.size()) return {};
    return idToToken_[static_cast<size_t>(id)];
}

WordPieceModel::WordPieceModel(std::vector<std::string> idToToken,
                               std::optional<std::string> unkToken, std::string prefix,
                               size_t maxInputCharsPerWord, const std::string& where)
    : WordLevelModel(std::move(idToToken), std::move(unkToken), where),
      prefix_(std::move(prefix)),
      maxChars_(maxInputCharsPerWord) {}

void WordPieceModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
    size_t chars = 0;
    for (size_t p = 0; p < word.size();
         p += unicode::sequenceLength(static_cast<unsigned char>(word[p])))
        ++chars;
    if (chars > maxChars_) {
        if (unkId_) out.push_back(*unkId_);
        return;
    }
    std::vector<int32_t> ids;
    std::string scratch;
    for (size_t start = 0; start < word.size();) {
        size_t end = word.size();
        int32_t found = -1;
        while (start < end) {
            scratch.clear();
            if (start > 0) scratch = prefix_;
            scratch.append(word.substr(start, end - start));
            auto it = vocab_.find(scratch);
            if (it != vocab_.end()) {
                found = it->second;
                break;
            }
            // step back one character
            do {
                --end;
            } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
        }
        if (found < 0) {
            if (unkId_) out.push_back(*unkId_);
            return;
        }
        ids.push_back(found);
        start = end;
    }
    out.insert(out.end(), ids.begin(), ids.end());
}

}  // namespace llmap
