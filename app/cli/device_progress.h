#pragma once
// Progress of a run on several devices (scoreOnDevices): one line on stderr with each device's
// model, texts done and tokens/s, redrawn in place on a terminal (at most 5 times a second) and
// written every 10 seconds otherwise; a line per model as it finishes.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "score/device_pool.h"

namespace llmap::cli {

class DeviceProgress : public PoolListener {
public:
    explicit DeviceProgress(std::vector<std::string> devices);
    ~DeviceProgress() override;
    ProgressSink* sinkFor(size_t worker) override;
    void onFinished(size_t job, const PoolOutcome& outcome) override;
    // Ends the line.
    void finish();

private:
    class Sink;
    void update(size_t worker, const ScoreProgress& progress);
    void drawLocked();

    std::vector<std::string> devices_;
    std::vector<std::unique_ptr<Sink>> sinks_;
    std::vector<ScoreProgress> latest_;
    std::mutex mutex_;
    bool terminal_, open_ = false;
    double interval_;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace llmap::cli
