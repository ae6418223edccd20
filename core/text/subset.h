#pragma once
// A smaller text set drawn from a larger one with every source keeping its share (stratified
// sampling), e.g. a quick set for CPU users.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "text/text_set.h"

namespace llmap {

// How many texts each source gives to a subset of `count`: its proportional share rounded down,
// then one more for the sources with the largest remainders (ties: label order) until the counts
// add up to `count`. Requires count <= texts.size().
std::map<std::string, size_t> stratifiedAllocation(const TextSet& texts, size_t count);

// The allocation drawn with SplitMix64(seed) (sampling.h), sources in label order; the chosen texts
// keep their order, ids and sources. Throws InputError when count is 0 or more than the set holds.
TextSet stratifiedSubset(const TextSet& texts, size_t count, uint64_t seed);

}  // namespace llmap
