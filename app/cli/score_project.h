#pragma once
// Opening the project a scoring command writes into, creating it from a text set when missing.
// Shared by 'score' and 'plan'.
#include <optional>
#include <string>

#include "store/project.h"

namespace llmap::cli {

// Created under another name and renamed when complete: a kill during creation leaves no
// half-written project behind.
void createProjectFile(const std::string& path, const TextSet& texts,
                       const std::string& convention);

// Opens `projectPath`, creating it with the texts of `textsPath` when it does not exist. An
// existing project must hold the same text set (when `textsPath` is given) and `convention`
// ("" = the project's own; a new project's default is conventionFor's).
Project openOrCreate(const std::string& projectPath, const std::optional<std::string>& textsPath,
                     const std::string& convention, bool writable = false);

void requireConvention(const Project& project, const std::string& convention);

// The convention a set is scored with: `asked`, or when "" the default: "response" for a
// prompt-response set, else "full". InputError for "response" asked of plain texts, or another
// convention of a prompt-response set.
std::string conventionFor(const TextSet& texts, const std::string& asked);

}  // namespace llmap::cli
