#include "analysis/benchmark_csv.h"

#include <cmath>
#include <map>

#include "util/csv.h"
#include "util/error.h"

namespace llmap {

BenchmarkTable readBenchmarkCsv(const std::string& path, const std::vector<std::string>& modelIds) {
    CsvTable t = readCsv(path);
    if (t.rows.empty() || t.rows[0].size() < 2) {
        throw InputError("a benchmark file needs a header \"model,<benchmark>,...\"", path,
                         "put the model id in the first column and one benchmark per column");
    }
    std::map<std::string, Eigen::Index> index;
    for (size_t i = 0; i < modelIds.size(); ++i) index[modelIds[i]] = static_cast<Eigen::Index>(i);
    BenchmarkTable b;
    b.benchmarks.assign(t.rows[0].begin() + 1, t.rows[0].end());
    const auto cols = static_cast<Eigen::Index>(b.benchmarks.size());
    b.scores =
        Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(modelIds.size()), cols, std::nan(""));
    std::vector<bool> seen(modelIds.size(), false);
    for (size_t r = 1; r < t.rows.size(); ++r) {
        const auto& row = t.rows[r];
        const std::string where = path + ":" + std::to_string(t.lines[r]);
        if (row.size() == 1 && row[0].empty()) continue;
        if (row.size() != t.rows[0].size()) {
            throw InputError("the row has " + std::to_string(row.size()) + " cells, the header " +
                                 std::to_string(t.rows[0].size()),
                             where, "give every model one cell per benchmark (empty = no score)");
        }
        auto it = index.find(row[0]);
        if (it == index.end()) {
            throw InputError(
                "model \"" + row[0] + "\" is not in the project", where,
                "use the project's model ids (see 'llmap-cli info') or remove the row");
        }
        if (seen[static_cast<size_t>(it->second)]) {
            throw InputError("model \"" + row[0] + "\" appears twice", where,
                             "keep one row per model");
        }
        seen[static_cast<size_t>(it->second)] = true;
        for (Eigen::Index c = 0; c < cols; ++c) {
            const std::string& cell = row[static_cast<size_t>(c + 1)];
            if (cell.empty()) continue;
            double v = 0;
            if (!parseDouble(cell, v) || std::isinf(v)) {
                throw InputError("\"" + cell + "\" in column " +
                                     b.benchmarks[static_cast<size_t>(c)] + " is not a number",
                                 where, "write a number, or leave the cell empty for no score");
            }
            b.scores(it->second, c) = v;
        }
    }
    return b;
}

}  // namespace llmap
