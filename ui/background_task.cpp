#include "background_task.h"

#include <QCoreApplication>
#include <QThread>
#include <mutex>
#include <vector>

namespace llmap::ui {

namespace {

struct RetiredJobs {
    std::mutex mutex;
    std::vector<std::unique_ptr<RetiredJob>> jobs;
};

// Never destroyed: jobs retired after the application object has gone stay reachable to the end.
RetiredJobs& retired() {
    static auto* jobs = new RetiredJobs;
    return *jobs;
}

}  // namespace

void finishAndRetire(std::unique_ptr<RetiredJob> job) {
    // Under the lock, so that the UI thread, which takes it to let go, comes after the last thing
    // this thread does with the job. Nothing that reportFinished() calls waits for the UI thread.
    const std::lock_guard<std::mutex> lock(retired().mutex);
    job->reportFinished();
    retired().jobs.push_back(std::move(job));
}

void releaseRetiredJobs() {
    QCoreApplication* app = QCoreApplication::instance();
    if (app && QThread::currentThread() != app->thread()) return;
    std::vector<std::unique_ptr<RetiredJob>> jobs;
    {
        const std::lock_guard<std::mutex> lock(retired().mutex);
        jobs.swap(retired().jobs);
    }
    // The references go here, on the UI thread, after the lock: ordered after the pool's writes.
}

}  // namespace llmap::ui
