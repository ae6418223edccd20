#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/open_project.h"
#include "cli/provenance.h"
#include "store/matrix_csv.h"
#include "store/model_metadata.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp = R"(Usage: llmap-cli import --project P.h5 --matrix M.csv --texts T.jsonl
                         [--metadata META.csv]

Puts a log-likelihood matrix into a project. A missing P.h5 is created with the texts of T.jsonl;
an existing one must hold the same text set (same content hash) and gains the models of M.csv.

  M.csv    header row: "model", then one column per text (in the order of T.jsonl);
           then one row per model: its id, then its summed log-likelihood (nats) on each text
  T.jsonl  one JSON object per line: "text" (required), "source" and "id" (optional)
           (a .csv or text file is read as 'llmap-cli texts info' reads it)
  META.csv optional: header "model,<field>,...", one row per model (family, parameters, ...);
           numbers stay numbers, every field becomes a colouring in the app and a CSV column

The whole matrix is checked before anything is written: a bad cell leaves the project untouched.
)";
}  // namespace

int runImport(int argc, char** argv) {
    Arguments args("import", argc, argv, 2, {"project", "matrix", "texts", "metadata"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string projectPath = args.required("project");
    const std::string matrixPath = args.required("matrix");
    const std::string textsPath = args.required("texts");

    TextSet texts = loadTextSet(textsPath);  // JSONL, CSV or text, by the name, as score reads it
    ScoreTable table = readScoreCsv(matrixPath, texts.ids);
    std::map<std::string, std::string> metadata;
    if (auto metaPath = args.value("metadata")) {
        for (auto& [id, json] : readMetadataCsv(*metaPath)) {
            if (std::find(table.modelIds.begin(), table.modelIds.end(), id) ==
                table.modelIds.end()) {
                throw InputError("the model \"" + id + "\" is not in " + matrixPath, *metaPath,
                                 "list only models of the matrix");
            }
            metadata[id] = json;
        }
    }

    const bool existing = std::filesystem::exists(projectPath);
    Project project = existing ? openProjectFile(projectPath, true)
                               : Project::create(projectPath, texts, "imported");
    if (existing) {
        if (project.textSetHash() != texts.contentHash()) {
            throw InputError("the project holds another text set (project " +
                                 project.textSetHash().substr(0, 12) + "…, " + textsPath + " " +
                                 texts.contentHash().substr(0, 12) + "…)",
                             projectPath, "import into a new project, or use the project's texts");
        }
        for (const std::string& id : table.modelIds) {
            if (project.findModel(id)) {
                throw InputError("the model \"" + id + "\" is already in the project", projectPath,
                                 "remove it from " + matrixPath + " or rename it");
            }
        }
    }
    for (size_t i = 0; i < table.modelIds.size(); ++i) {
        auto meta = metadata.find(table.modelIds[i]);
        size_t row = project.addModel(
            {table.modelIds[i], meta == metadata.end() ? std::string("{}") : meta->second});
        project.writeScores(row, 0, table.rows[i]);
    }
    nlohmann::json run = provenanceRecord("import");
    run["matrix"] = matrixPath;
    run["texts"] = textsPath;
    run["models"] = table.modelIds.size();
    project.appendProvenance(run.dump());
    std::cout << (existing ? "added " : "created " + projectPath + " with ")
              << table.modelIds.size() << " models x " << texts.size() << " texts\n";
    return 0;
}

}  // namespace llmap::cli
