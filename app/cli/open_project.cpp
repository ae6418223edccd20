#include "cli/open_project.h"

#include "store/project_check.h"

namespace llmap::cli {

Project openProjectFile(const std::string& path, bool writable) {
    requireProjectReadable(path);
    return Project::open(path, writable);
}

}  // namespace llmap::cli
