#pragma once
// The score matrix as CSV: a header row ("model", then one column per text), then one row per
// model: its id, then its log-likelihood on each text. The format of `llmap-cli import` and of
// `llmap-cli export --what scores`.
#include <ostream>
#include <string>
#include <vector>

#include "store/project.h"

namespace llmap {

struct ScoreTable {
    std::vector<std::string> modelIds;
    std::vector<std::vector<double>> rows;  // one per model, one value per text
};

// Reads and validates the whole file before anything is written anywhere. Throws InputError naming
// the file, line and column for: an empty file, a header whose text count differs from
// `textIds.size()`, header names that are the text ids in another order, ragged rows, cells that
// are not numbers, NaN or infinite values, positive values (log-likelihoods are <= 0), empty or
// repeated model ids.
ScoreTable readScoreCsv(const std::string& path, const std::vector<std::string>& textIds);

void writeScoreCsv(std::ostream& out, const Project& project);

}  // namespace llmap
