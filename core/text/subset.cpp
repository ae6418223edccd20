#include "text/subset.h"

#include <algorithm>

#include "text/sampling.h"
#include "util/error.h"

namespace llmap {

std::map<std::string, size_t> stratifiedAllocation(const TextSet& texts, size_t count) {
    const size_t total = texts.size();
    std::map<std::string, size_t> sizes;
    for (const std::string& s : texts.sources) ++sizes[s];
    std::map<std::string, size_t> allocation;
    struct Remainder {
        size_t value;
        std::string label;
    };
    std::vector<Remainder> remainders;
    size_t given = 0;
    for (const auto& [label, n] : sizes) {
        // count * n fits easily in 64 bits for any text set that fits in memory.
        allocation[label] = count * n / total;
        given += allocation[label];
        remainders.push_back({count * n % total, label});
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const Remainder& a, const Remainder& b) { return a.value > b.value; });
    for (size_t i = 0; given < count; ++i, ++given) ++allocation[remainders[i].label];
    return allocation;
}

TextSet stratifiedSubset(const TextSet& texts, size_t count, uint64_t seed) {
    if (count == 0 || count > texts.size()) {
        throw InputError("a subset of " + std::to_string(count) + " texts cannot be drawn from " +
                             std::to_string(texts.size()),
                         "text subset", "ask for 1 to " + std::to_string(texts.size()) + " texts");
    }
    std::map<std::string, std::vector<size_t>> positions;
    for (size_t i = 0; i < texts.size(); ++i) positions[texts.sources[i]].push_back(i);
    SplitMix64 rng(seed);
    std::vector<size_t> chosen;
    for (const auto& [label, n] : stratifiedAllocation(texts, count)) {
        const std::vector<size_t>& where = positions[label];
        for (size_t k : sampleIndices(where.size(), n, rng)) chosen.push_back(where[k]);
    }
    std::sort(chosen.begin(), chosen.end());
    TextSet subset;
    for (size_t i : chosen) {
        subset.ids.push_back(texts.ids[i]);
        subset.texts.push_back(texts.texts[i]);
        subset.sources.push_back(texts.sources[i]);
        if (texts.hasPrompts()) subset.prompts.push_back(texts.prompts[i]);
    }
    return subset;
}

}  // namespace llmap
