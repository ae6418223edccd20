#include "cli/score_project.h"

#include <filesystem>

#include "cli/open_project.h"
#include "text/text_loaders.h"
#include "util/error.h"

namespace llmap::cli {

void createProjectFile(const std::string& path, const TextSet& texts,
                       const std::string& convention) {
    const std::string partial = path + ".creating";
    std::filesystem::remove(partial);
    Project::create(partial, texts, convention);
    std::filesystem::rename(partial, path);
}

Project openOrCreate(const std::string& projectPath, const std::optional<std::string>& textsPath,
                     const std::string& convention, bool writable) {
    if (!std::filesystem::exists(projectPath)) {
        if (!textsPath) {
            throw InputError("the project does not exist and no text set was given", projectPath,
                             "add --texts T to create it");
        }
        createProjectFile(projectPath, loadTextSet(*textsPath), convention);
    }
    Project project = openProjectFile(projectPath, writable);
    if (textsPath) {
        const TextSet texts = loadTextSet(*textsPath);
        if (texts.contentHash() != project.textSetHash()) {
            throw InputError("the project holds another text set (project " +
                                 project.textSetHash() + ", " + *textsPath + " " +
                                 texts.contentHash() + ")",
                             projectPath, "leave out --texts, or score into a new project");
        }
    }
    requireConvention(project, convention);
    return project;
}

void requireConvention(const Project& project, const std::string& convention) {
    if (project.convention() != convention) {
        throw InputError("the project holds \"" + project.convention() +
                             "\" scores; --convention " + convention + " was asked for",
                         project.path(),
                         "use --convention " + project.convention() + " or a new project");
    }
}

}  // namespace llmap::cli
