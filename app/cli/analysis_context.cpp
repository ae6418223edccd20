#include "cli/analysis_context.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "analysis/project_geometry.h"
#include "store/project_check.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/file_output.h"

namespace llmap::cli {

AnalysisContext openAnalysis(const Arguments& args, const std::string& command, size_t minModels) {
    bool store = !args.flag("no-store");
    const std::string path = args.required("project");
    requireProjectReadable(path);
    auto openProject = [&]() {
        if (store && std::filesystem::exists(path)) {
            try {
                return Project::open(path, true);
            } catch (const Error& e) {
                // Held open by another program (the map window, a scoring run): analyse anyway.
                std::cerr << "llmap-cli " << command << ": " << e.message()
                          << "; results are written to the CSV only\n";
                store = false;
            }
        }
        return Project::open(path, false);
    };
    Project project = openProject();
    AnalysisContext ctx{std::move(project), {}, {}, store, false};
    if (const auto matrix = args.value("matrix")) ctx.project.selectMatrix(*matrix);
    ProjectGeometryOptions o;
    o.minModels = minModels;
    o.reclip = args.flag("reclip");
    ProjectGeometry g = projectGeometry(ctx.project, o);
    ctx.geometry = std::move(g.geometry);
    ctx.ids = std::move(g.ids);
    // Fixed in the project with the first stored result, so a command that fails stores nothing.
    ctx.fixThreshold = store && g.freshThreshold;
    if (ctx.geometry.rows.size() < ctx.project.modelCount()) {
        std::cerr << "llmap-cli " << command << ": left out "
                  << ctx.project.modelCount() - ctx.geometry.rows.size()
                  << " models that are not fully scored\n";
    }
    return ctx;
}

double numberOption(const Arguments& args, const std::string& name, double fallback,
                    const std::string& command) {
    const auto v = args.value(name);
    if (!v) return fallback;
    double d = 0;
    if (!parseDouble(*v, d) || !std::isfinite(d)) {
        throw InputError("--" + name + " \"" + *v + "\" is not a number", "llmap-cli " + command,
                         "pass a number, e.g. --" + name + " " + formatDouble(fallback));
    }
    return d;
}

int intOption(const Arguments& args, const std::string& name, int fallback,
              const std::string& command) {
    const double d = numberOption(args, name, fallback, command);
    if (d != std::floor(d) || std::fabs(d) > 1e9) {
        throw InputError("--" + name + " must be a whole number", "llmap-cli " + command);
    }
    return static_cast<int>(d);
}

uint64_t seedOption(const Arguments& args, const std::string& command) {
    const int s = intOption(args, "seed", 42, command);
    if (s < 0) throw InputError("--seed must be 0 or more", "llmap-cli " + command);
    return static_cast<uint64_t>(s);
}

void writeResult(AnalysisContext& ctx, const std::string& out, const std::string& name,
                 const std::string& firstColumn, const std::vector<std::string>& rowIds,
                 const std::vector<std::string>& columns, const Eigen::MatrixXd& values,
                 const std::string& paramsJson) {
    std::ostringstream csv;
    std::vector<std::string> header{firstColumn};
    header.insert(header.end(), columns.begin(), columns.end());
    writeCsvRow(csv, header);
    for (Eigen::Index r = 0; r < values.rows(); ++r) {
        std::vector<std::string> row{rowIds[static_cast<size_t>(r)]};
        for (Eigen::Index c = 0; c < values.cols(); ++c) row.push_back(formatDouble(values(r, c)));
        writeCsvRow(csv, row);
    }
    writeFileAtomically(out, csv.str());
    if (ctx.store) {
        if (ctx.fixThreshold) ctx.project.setClipThreshold(ctx.geometry.clipThreshold);
        ctx.fixThreshold = false;
        ctx.project.writeResult(name, values, rowIds, paramsJson, columns);
    }
    std::cout << "wrote " << values.rows() << " rows to " << out
              << (ctx.store ? std::string(" (stored as /analysis/") +
                                  (ctx.project.matrix() == "pmi" ? "pmi." : "") + name + ")"
                            : std::string())
              << "\n";
}

}  // namespace llmap::cli
