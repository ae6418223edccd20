#pragma once
// runInBackground(work): runs `work` on Qt's global thread pool and returns its QFuture, as
// QtConcurrent::run does, but hands `work` over in a way ThreadSanitizer can check.
//
// Why not QtConcurrent::run: a Qt that is not built with ThreadSanitizer (Debian's) passes the task
// to the pool thread through a futex inside the library, invisible to it, so every value the task
// captured reads as a race. Here the task is complete before the pool gets it and says so (a
// release); the pool thread says it took it (an acquire) before touching it. The result comes back
// through the QFuture's mutex, whose lock and unlock are inline and so visible either way.
#include <QFuture>
#include <QFutureInterface>
#include <QRunnable>
#include <QThreadPool>
#include <exception>
#include <type_traits>
#include <utility>

#include "thread_sanitizer.h"

namespace llmap::ui {

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
        promise_.reportFinished();
    }

private:
    Work work_;
    QFutureInterface<Result> promise_;
};

template <typename Work>
auto runInBackground(Work work) {
    auto* task = new BackgroundTask<Work>(std::move(work));  // the pool deletes it after run()
    auto future = task->future();
    handOver(task);
    QThreadPool::globalInstance()->start(task);
    return future;
}

}  // namespace llmap::ui
