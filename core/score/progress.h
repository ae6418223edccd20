#pragma once
// How a scoring run reports where it is and how it is stopped: plain interfaces shared by the CLI's
// progress bar and the app's worker thread. No torch here.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace llmap {

struct ScoreProgress {
    std::string model;       // the model's id in the project
    size_t textsDone = 0;    // scored texts of this model, earlier runs included
    size_t textsTotal = 0;   // texts in the project
    int64_t tokensDone = 0;  // tokens scored in this run
    double tokensPerSecond = 0;
    double etaSeconds = -1;  // -1 while unknown
};

class ProgressSink {
public:
    virtual ~ProgressSink() = default;
    // Called on the scoring thread after every batch; keep it short.
    virtual void onProgress(const ScoreProgress& progress) = 0;
    // Called once before a model's weights load: where it runs, with a GPU's free memory and
    // what the weights take there.
    virtual void onDevice(const std::string& /*model*/, const std::string& /*note*/) {}
};

// Set from any thread; the scorer looks at it between batches and stops after saving what it has.
class CancelToken {
public:
    void cancel() { cancelled_.store(true); }
    bool cancelled() const { return cancelled_.load(); }

private:
    std::atomic<bool> cancelled_{false};
};

}  // namespace llmap
