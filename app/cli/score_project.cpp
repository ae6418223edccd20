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
        const TextSet texts = loadTextSet(*textsPath);
        createProjectFile(projectPath, texts, conventionFor(texts, convention));
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
    if (!convention.empty()) requireConvention(project, convention);
    return project;
}

std::string conventionFor(const TextSet& texts, const std::string& asked) {
    if (texts.hasPrompts() && !asked.empty() && asked != "response") {
        throw InputError(
            "a prompt-response set is scored with the \"response\" convention (the "
            "prompt with the tokenizer's special tokens, then the response, whose "
            "tokens alone are scored); --convention " +
                asked + " was asked for",
            "--convention", "leave out --convention");
    }
    if (!texts.hasPrompts() && asked == "response") {
        throw InputError(
            "the response convention needs a prompt-response set (\"prompt\" and "
            "\"response\" fields)",
            "--convention", "use full or paper for plain texts");
    }
    if (!asked.empty()) return asked;
    return texts.hasPrompts() ? "response" : "full";
}

void requireConvention(const Project& project, const std::string& convention) {
    if (project.convention() != convention) {
        throw InputError("the project holds \"" + project.convention() +
                             "\" scores; --convention " + convention + " was asked for",
                         project.path(),
                         project.convention() == "response"
                             ? "leave out --convention: a prompt-response project is always "
                               "scored with \"response\""
                             : "use --convention " + project.convention() + " or a new project");
    }
}

}  // namespace llmap::cli
