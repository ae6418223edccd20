#pragma once
// Runs a piece of work in a forked copy of this process, so that a crash or an endless loop inside
// a library (libhdf5 on a damaged file) costs the copy, not the program.
#include <functional>
#include <optional>
#include <string>

namespace llmap {

// How the copy ended, when that was not a normal exit: "signal 11", "exit code 3", "no answer
// after 60 s" (the copy is then killed). std::nullopt when it finished normally, whether or not
// `work` threw, and when no copy could be made. The copy holds only the calling thread: call this
// when no other thread is inside the library that `work` uses.
std::optional<std::string> failureInChild(const std::function<void()>& work, double limitSeconds);

}  // namespace llmap
