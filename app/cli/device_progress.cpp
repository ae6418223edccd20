#include "cli/device_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/score_progress_bar.h"

namespace llmap::cli {

class DeviceProgress::Sink : public ProgressSink {
public:
    Sink(DeviceProgress& owner, size_t worker) : owner_(owner), worker_(worker) {}
    void onProgress(const ScoreProgress& progress) override { owner_.update(worker_, progress); }
    void onDevice(const std::string& model, const std::string& note) override {
        const std::lock_guard<std::mutex> guard(owner_.mutex_);
        if (owner_.open_ && owner_.terminal_) std::fprintf(stderr, "\r\033[K");
        std::fprintf(stderr, "%s: on %s\n", model.c_str(), note.c_str());
        owner_.open_ = false;
    }

private:
    DeviceProgress& owner_;
    size_t worker_;
};

DeviceProgress::DeviceProgress(std::vector<std::string> devices)
    : devices_(std::move(devices)),
      latest_(devices_.size()),
      terminal_(isatty(STDERR_FILENO) != 0),
      interval_(terminal_ ? 0.2 : 10.0) {
    for (size_t w = 0; w < devices_.size(); ++w) sinks_.push_back(std::make_unique<Sink>(*this, w));
}

DeviceProgress::~DeviceProgress() = default;

ProgressSink* DeviceProgress::sinkFor(size_t worker) {
    return sinks_.at(worker).get();
}

void DeviceProgress::update(size_t worker, const ScoreProgress& progress) {
    const std::lock_guard<std::mutex> guard(mutex_);
    latest_[worker] = progress;
    const auto now = std::chrono::steady_clock::now();
    if (open_ && std::chrono::duration<double>(now - last_).count() < interval_) return;
    last_ = now;
    drawLocked();
}

void DeviceProgress::drawLocked() {
    std::string line;
    for (size_t w = 0; w < devices_.size(); ++w) {
        const ScoreProgress& p = latest_[w];
        if (p.model.empty()) continue;
        char part[256];
        std::snprintf(part, sizeof part, "%s%s %s %zu/%zu %.0f tok/s", line.empty() ? "" : " | ",
                      devices_[w].c_str(), p.model.c_str(), p.textsDone, p.textsTotal,
                      p.tokensPerSecond);
        line += part;
    }
    if (line.empty()) return;
    if (terminal_) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
    open_ = true;
}

// Called with the pool's lock held (one at a time), from a worker thread.
void DeviceProgress::onFinished(size_t, const PoolOutcome& outcome) {
    const std::lock_guard<std::mutex> guard(mutex_);
    if (open_ && terminal_) std::fprintf(stderr, "\r\033[K");
    open_ = false;
    const ScoreResult& r = outcome.result;
    for (ScoreProgress& p : latest_)
        if (p.model == r.modelId) p = ScoreProgress();
    if (outcome.failed) return;  // reported by the caller with the model's path
    if (r.cancelled) return;
    if (r.textsScored == 0) {
        std::fprintf(stderr, "%s: already scored, skipped\n", r.modelId.c_str());
        return;
    }
    std::fprintf(
        stderr, "%s: %zu texts, %lld tokens in %s (%lld tok/s, %s, %s)\n", r.modelId.c_str(),
        r.textsScored, static_cast<long long>(r.tokensScored), formatDuration(r.seconds).c_str(),
        static_cast<long long>(static_cast<double>(r.tokensScored) / std::max(r.seconds, 1e-9)),
        r.device.c_str(), r.dtype.c_str());
}

void DeviceProgress::finish() {
    const std::lock_guard<std::mutex> guard(mutex_);
    if (open_ && terminal_) std::fprintf(stderr, "\n");
    open_ = false;
}

}  // namespace llmap::cli
