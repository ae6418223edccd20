#pragma once
// A {token: id} vocabulary as an id-indexed table. The table's size is set by the largest id, so a
// small file naming id 99,999,999 would otherwise cost gigabytes: ids must be (nearly) dense.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llmap {

using VocabularyEntries = std::vector<std::pair<uint32_t, std::string>>;

// Throws InputError naming `where` when the largest id is far beyond the number of entries.
std::vector<std::string> denseVocabulary(VocabularyEntries entries, const std::string& where,
                                         const std::string& fix);

}  // namespace llmap
