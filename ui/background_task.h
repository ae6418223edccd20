#pragma once
// runInBackground(work): runs `work` on Qt's global thread pool and returns its QFuture, as
// QtConcurrent::run does, but hands `work` and the job's result over in a way ThreadSanitizer can
// check.
//
// Why not QtConcurrent::run: a Qt that is not built with ThreadSanitizer (Debian's) passes the task
// to the pool thread through a futex inside the library, invisible to it, so every value the task
// captured reads as a race. Here the task is complete before the pool gets it and says so (a
// release); the pool thread says it took it (an acquire) before touching it. The result comes back
// through the QFuture's mutex, whose lock and unlock are inline and so visible either way.
//
// The same holds for the end of a job: Qt counts the references to a future's shared state inside
// the library, so whichever thread lets go of the last one frees the result with no ordering
// ThreadSanitizer can see against the other thread's reads. So the pool thread never lets go: it
// reports the job finished and gives its reference away under one mutex (finishAndRetire), and
// the UI thread releases the references under that mutex (releaseRetiredJobs) when it starts a
// job, takes a result or ends its jobs.
#include <QFuture>
#include <QFutureInterface>
#include <QRunnable>
#include <QThreadPool>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "thread_sanitizer.h"

namespace llmap::ui {

// A finished job's reference to its shared state (result, exception, progress).
class RetiredJob {
public:
    virtual ~RetiredJob() = default;
    virtual void reportFinished() = 0;
};

// The pool thread: reports `job` finished and keeps it until the UI thread lets go of it.
void finishAndRetire(std::unique_ptr<RetiredJob> job);
// The UI thread only (elsewhere it does nothing): lets go of every job retired so far.
void releaseRetiredJobs();

template <typename Work>
class BackgroundTask : public QRunnable {
public:
    using Result = std::invoke_result_t<Work&>;
    static_assert(!std::is_void_v<Result>, "runInBackground needs work that returns its result");

    explicit BackgroundTask(Work work) : work_(std::move(work)) { promise_.reportStarted(); }
    QFuture<Result> future() { return promise_.future(); }

    void run() override {
        takeOver(this);
        if (!promise_.isCanceled()) {
            try {
                promise_.reportAndMoveResult(work_());
            } catch (...) {
                promise_.reportException(std::current_exception());
            }
        }
        finishAndRetire(std::make_unique<Retired>(std::move(promise_)));  // promise_ is empty now
    }

private:
    struct Retired : RetiredJob {
        explicit Retired(QFutureInterface<Result>&& p) : promise(std::move(p)) {}
        void reportFinished() override { promise.reportFinished(); }
        QFutureInterface<Result> promise;
    };
    Work work_;
    QFutureInterface<Result> promise_;
};

template <typename Work>
auto runInBackground(Work work) {
    releaseRetiredJobs();
    auto* task = new BackgroundTask<Work>(std::move(work));  // the pool deletes it after run()
    auto future = task->future();
    handOver(task);
    QThreadPool::globalInstance()->start(task);
    return future;
}

}  // namespace llmap::ui
