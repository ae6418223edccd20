#pragma once
// Benchmark scores from a CSV: a header "model,<benchmark>,...", then one row per model: its id,
// then its score on each benchmark (an empty cell or "nan" = no score).
#include <Eigen/Core>
#include <string>
#include <vector>

namespace llmap {

struct BenchmarkTable {
    std::vector<std::string> benchmarks;
    Eigen::MatrixXd scores;  // one row per entry of `modelIds` given to the reader, NaN = none
};

// Rows follow `modelIds`; models without a row get NaN. Throws InputError naming the file and
// line for: a missing header or benchmark column, an id that is not one of `modelIds`, a repeated
// id, a ragged row, a cell that is not a number.
BenchmarkTable readBenchmarkCsv(const std::string& path, const std::vector<std::string>& modelIds);

}  // namespace llmap
