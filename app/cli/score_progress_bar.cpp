#include "cli/score_progress_bar.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace llmap::cli {

std::string formatDuration(double seconds) {
    if (!(seconds >= 0)) return "?";
    const long s = std::lround(seconds);
    char out[32];
    if (s >= 3600) {
        std::snprintf(out, sizeof out, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    } else if (s >= 60) {
        std::snprintf(out, sizeof out, "%ldm%02lds", s / 60, s % 60);
    } else {
        std::snprintf(out, sizeof out, "%lds", s);
    }
    return out;
}

ScoreProgressBar::ScoreProgressBar()
    : terminal_(isatty(STDERR_FILENO) != 0), interval_(terminal_ ? 0.2 : 10.0) {}

void ScoreProgressBar::onDevice(const std::string& model, const std::string& note) {
    std::fprintf(stderr, "%s: on %s\n", model.c_str(), note.c_str());
}

void ScoreProgressBar::onProgress(const ScoreProgress& progress) {
    latest_ = progress;
    const auto now = std::chrono::steady_clock::now();
    const bool complete = progress.textsDone == progress.textsTotal;
    if (open_ && !complete && std::chrono::duration<double>(now - last_).count() < interval_) {
        return;
    }
    last_ = now;
    draw(progress);
}

void ScoreProgressBar::draw(const ScoreProgress& p) {
    constexpr int kWidth = 24;
    const double fraction =
        p.textsTotal ? static_cast<double>(p.textsDone) / static_cast<double>(p.textsTotal) : 1.0;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '=');
    if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
    char line[512];
    std::snprintf(line, sizeof line, "%s [%s] %zu/%zu texts  %.0f tok/s  ETA %s", p.model.c_str(),
                  bar.c_str(), p.textsDone, p.textsTotal, p.tokensPerSecond,
                  formatDuration(p.etaSeconds).c_str());
    if (terminal_) {
        std::fprintf(stderr, "\r\033[K%s", line);
    } else {
        std::fprintf(stderr, "%s\n", line);
    }
    std::fflush(stderr);
    open_ = true;
}

void ScoreProgressBar::finish() {
    if (!open_) return;
    if (terminal_) std::fprintf(stderr, "\n");
    open_ = false;
}

}  // namespace llmap::cli
