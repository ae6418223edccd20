#pragma once
// A project file is read in a forked copy of the program before it is opened (hdf5_probe.h), so a
// file damaged in a way that crashes or hangs libhdf5 is refused with a message.
#include <string>

namespace llmap {

// InputError naming the file when libhdf5 crashes or hangs on it; nothing when the path is not a
// regular file, or is not a project (Project::open says so). Only while no other thread is inside
// libhdf5.
void requireProjectReadable(const std::string& path);

}  // namespace llmap
