#pragma once
// Opens a project file named on the command line, after reading it in a forked copy of the
// program (store/project_check.h): a file that crashes libhdf5 is refused with a message.
#include <string>

#include "store/project.h"

namespace llmap::cli {

Project openProjectFile(const std::string& path, bool writable = false);

}  // namespace llmap::cli
