#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/open_project.h"
#include "cli/provenance.h"
#include "store/model_metadata.h"
#include "store/project.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli annotate --project P.h5 --metadata META.csv

Adds fields to the metadata of models already in the project: META.csv has a header
"model,<field>,..." and one row per model (numbers stay numbers, empty cells change nothing).
A field already present is replaced. Every row must name a model of the project; the file is
checked whole before anything is written.
)";
}  // namespace

int runAnnotate(int argc, char** argv) {
    Arguments args("annotate", argc, argv, 2, {"project", "metadata"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string projectPath = args.required("project");
    const std::string metaPath = args.required("metadata");
    const auto rows = readMetadataCsv(metaPath);
    Project project = openProjectFile(projectPath, true);
    std::vector<std::pair<size_t, std::string>> updates;
    for (const auto& [id, json] : rows) {
        auto row = project.findModel(id);
        if (!row) {
            throw InputError(
                "the model \"" + id + "\" is not in the project", metaPath,
                "list only models of " + projectPath + " ('llmap-cli info' lists them)");
        }
        nlohmann::json merged =
            nlohmann::json::parse(project.models()[*row].metadataJson, nullptr, false);
        if (!merged.is_object()) merged = nlohmann::json::object();
        merged.update(nlohmann::json::parse(json));
        updates.emplace_back(*row, merged.dump());
    }
    for (const auto& [row, json] : updates) project.setModelMetadata(row, json);
    nlohmann::json run = provenanceRecord("annotate");
    run["metadata"] = metaPath;
    run["models"] = updates.size();
    project.appendProvenance(run.dump());
    std::cout << "annotated " << updates.size() << " models\n";
    return 0;
}

}  // namespace llmap::cli
