#pragma once
#include <QString>

namespace llmap::ui {

// The folder of LLMap's bundled data (texts/, demo/, models/): <prefix>/share/llmap next to an
// installed executable (found relative to it, so an installed tree can be moved), else the
// source tree's resources/ folder for a program run from the build tree.
QString dataDir();

// The same lookup for an executable in `binDir`; dataDir() uses the running program's folder.
QString dataDirFor(const QString& binDir);

}  // namespace llmap::ui

namespace llmap::ui {

// The user's own copy of the demo project (in the application's data folder, e.g.
// ~/.local/share/LLMap/LLMap/demo.llmap.h5), copied from the bundled one the first time, so that
// models can be scored into it; the bundled file itself when no copy can be made.
QString demoProject();

}  // namespace llmap::ui
