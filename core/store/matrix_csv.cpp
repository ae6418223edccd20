#include "store/matrix_csv.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_set>

#include "util/csv.h"
#include "util/error.h"
#include "util/memory.h"

namespace llmap {

ScoreTable readScoreCsv(const std::string& path, const std::vector<std::string>& textIds) {
    // Measured: the cells as strings and the parsed matrix take about 7 times the file's size.
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (!error) requireMemory(7 * static_cast<int64_t>(size), "importing the score matrix", path);
    CsvTable csv = readCsv(path);
    if (csv.rows.empty()) {
        throw InputError(
            "the file is empty", path,
            "write a header row (model, then one column per text) and one row per model");
    }
    const auto& header = csv.rows[0];
    const size_t n = textIds.size();
    if (header.size() != n + 1) {
        throw InputError("the header has " + std::to_string(header.size() - 1) +
                             " text columns but the text set has " + std::to_string(n) + " texts",
                         path + ":" + std::to_string(csv.lines[0]),
                         "give one column per text, in the order of the text file");
    }
    std::vector<std::string> names(header.begin() + 1, header.end());
    if (names != textIds && std::is_permutation(names.begin(), names.end(), textIds.begin())) {
        throw InputError("the header names the texts in another order than the text file",
                         path + ":" + std::to_string(csv.lines[0]),
                         "order the columns as the texts are ordered");
    }
    if (csv.rows.size() == 1) {
        throw InputError("the file has a header but no model rows", path, "add one row per model");
    }
    ScoreTable table;
    std::unordered_set<std::string> seen;
    for (size_t r = 1; r < csv.rows.size(); ++r) {
        const auto& row = csv.rows[r];
        const std::string line = path + ":" + std::to_string(csv.lines[r]);
        if (row.size() != header.size()) {
            throw InputError("row has " + std::to_string(row.size()) + " fields, the header has " +
                                 std::to_string(header.size()),
                             line, "every row needs the model id and one value per text");
        }
        const std::string& id = row[0];
        if (id.empty()) throw InputError("the model id (column 1) is empty", line);
        if (!seen.insert(id).second) {
            throw InputError("the model id \"" + id + "\" appears twice", line,
                             "give every model its own id");
        }
        std::vector<double> values(n);
        for (size_t c = 0; c < n; ++c) {
            const std::string cellWhere =
                line + ", column " + std::to_string(c + 2) + " (text " + textIds[c] + ")";
            double v = 0;
            if (!parseDouble(row[c + 1], v)) {
                throw InputError("\"" + row[c + 1] + "\" is not a number", cellWhere,
                                 "write a log-likelihood such as -123.4");
            }
            if (std::isnan(v)) {
                throw InputError("NaN is not a log-likelihood", cellWhere,
                                 "score every text, or leave the model out");
            }
            if (v > 0) {
                throw InputError("log-likelihoods are <= 0, this value is " + row[c + 1], cellWhere,
                                 "if the file holds negative log-likelihoods, negate them");
            }
            values[c] = v;
        }
        table.modelIds.push_back(id);
        table.rows.push_back(std::move(values));
    }
    return table;
}

void writeScoreCsv(std::ostream& out, const Project& project) {
    std::vector<std::string> header{"model"};
    const auto& ids = project.texts().ids;
    header.insert(header.end(), ids.begin(), ids.end());
    writeCsvRow(out, header);
    const Eigen::MatrixXd m = project.scores();  // the selected matrix (log-likelihood or PMI)
    for (size_t r = 0; r < project.modelCount(); ++r) {
        std::vector<std::string> fields{project.models()[r].id};
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            fields.push_back(formatDouble(m(static_cast<Eigen::Index>(r), c)));
        writeCsvRow(out, fields);
    }
}

}  // namespace llmap
