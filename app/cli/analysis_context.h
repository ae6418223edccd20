#pragma once
// What every analysis subcommand shares: the project opened for storing results, the geometry of
// its fully scored models with the project's stored clip threshold, parsing numbers and writing a
// result both as CSV and into the project.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/geometry.h"
#include "cli/arguments.h"
#include "store/project.h"

namespace llmap::cli {

struct AnalysisContext {
    Project project;
    Geometry geometry;
    std::vector<std::string> ids;  // model ids of geometry.rows
    bool store = true;
    bool fixThreshold = false;  // store geometry.clipThreshold with the first result written
};

// Opens --project (writable unless --no-store) with the matrix of --matrix (loglik or pmi; the
// command must accept the option), computes the geometry with the stored clip
// threshold (fixed with the first stored result, or again with --reclip) and reports left-out
// models on stderr.
AnalysisContext openAnalysis(const Arguments& args, const std::string& command, size_t minModels);

double numberOption(const Arguments& args, const std::string& name, double fallback,
                    const std::string& command);
int intOption(const Arguments& args, const std::string& name, int fallback,
              const std::string& command);
uint64_t seedOption(const Arguments& args, const std::string& command);

// Writes a CSV whose first column is `firstColumn` (row ids) and the other columns `columns`,
// then stores the same table under /analysis/<name> with `paramsJson` unless --no-store.
void writeResult(AnalysisContext& ctx, const std::string& out, const std::string& name,
                 const std::string& firstColumn, const std::vector<std::string>& rowIds,
                 const std::vector<std::string>& columns, const Eigen::MatrixXd& values,
                 const std::string& paramsJson);

}  // namespace llmap::cli
