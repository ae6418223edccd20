#include "tokenize/dense_vocabulary.h"

#include <algorithm>

#include "util/error.h"

namespace llmap {

std::vector<std::string> denseVocabulary(VocabularyEntries entries, const std::string& where,
                                         const std::string& fix) {
    uint64_t largest = 0;
    for (const auto& e : entries) largest = std::max<uint64_t>(largest, e.first);
    // Real vocabularies are dense; allow generous gaps (reserved or removed ids) but no table
    // more than twice the entries plus 65,536 slots.
    const uint64_t allowed = 2 * static_cast<uint64_t>(entries.size()) + 65536;
    if (!entries.empty() && largest >= allowed) {
        throw InputError("token ids are sparse: the largest id is " + std::to_string(largest) +
                             " but the vocabulary has only " + std::to_string(entries.size()) +
                             " entries",
                         where, fix);
    }
    std::vector<std::string> table(entries.empty() ? 0 : largest + 1);
    for (auto& [id, token] : entries) table[id] = std::move(token);
    return table;
}

}  // namespace llmap
