#include "store/csv_exports.h"

#include <sstream>

#include "store/model_metadata.h"
#include "util/csv.h"

namespace llmap {

std::string coordinatesCsv(const std::vector<std::string>& ids, const Eigen::MatrixXd& xy,
                           const std::vector<std::string>& metadataJson) {
    std::vector<ModelRecord> records;
    for (size_t i = 0; i < ids.size(); ++i) records.push_back({ids[i], metadataJson[i]});
    const std::vector<std::string> fields = metadataFields(records);
    std::vector<std::string> header{"model", "x", "y"};
    header.insert(header.end(), fields.begin(), fields.end());
    std::ostringstream csv;
    writeCsvRow(csv, header);
    for (size_t i = 0; i < ids.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        std::vector<std::string> row{ids[i], formatDouble(xy(r, 0)), formatDouble(xy(r, 1))};
        for (const std::string& f : fields) row.push_back(metadataValue(metadataJson[i], f));
        writeCsvRow(csv, row);
    }
    return csv.str();
}

std::string squareMatrixCsv(const std::vector<std::string>& ids, const Eigen::MatrixXd& m,
                            const std::string& corner) {
    std::vector<std::string> header{corner};
    header.insert(header.end(), ids.begin(), ids.end());
    std::ostringstream csv;
    writeCsvRow(csv, header);
    for (size_t i = 0; i < ids.size(); ++i) {
        std::vector<std::string> row{ids[i]};
        for (size_t j = 0; j < ids.size(); ++j) {
            row.push_back(
                formatDouble(m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))));
        }
        writeCsvRow(csv, row);
    }
    return csv.str();
}

}  // namespace llmap
