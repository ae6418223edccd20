#pragma once
// One line on stderr, redrawn in place: model, texts done, tokens/s, ETA. On a terminal it is
// redrawn at most 5 times a second; otherwise a line every 10 seconds (logs of batch jobs).
#include <chrono>
#include <string>

#include "score/progress.h"

namespace llmap::cli {

class ScoreProgressBar : public ProgressSink {
public:
    ScoreProgressBar();
    void onProgress(const ScoreProgress& progress) override;
    void onDevice(const std::string& model, const std::string& note) override;
    // Ends the line (after the last update of a model).
    void finish();

private:
    bool terminal_;
    bool open_ = false;
    double interval_;
    std::chrono::steady_clock::time_point last_{};
    ScoreProgress latest_;
    void draw(const ScoreProgress& progress);
};

// "1h02m", "3m05s", "42s".
std::string formatDuration(double seconds);

}  // namespace llmap::cli
