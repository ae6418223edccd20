#pragma once
// Keeps the futures of background jobs that nobody waits for, so that their owner can end them
// when it goes (the shape of Qt Creator's Utils::FutureSynchronizer): in the destructor, jobs not
// started yet are cancelled and the running ones are waited for. Nothing waits before that.
#include <QFuture>
#include <QList>
#include <algorithm>

#include "background_task.h"

namespace llmap::ui {

class FutureSynchronizer {
public:
    FutureSynchronizer() = default;
    FutureSynchronizer(const FutureSynchronizer&) = delete;
    FutureSynchronizer& operator=(const FutureSynchronizer&) = delete;
    ~FutureSynchronizer() {
        for (QFuture<void>& future : futures_) future.cancel();
        for (QFuture<void>& future : futures_) {
            // A job's exception comes back with the wait; its owner is going, nobody is told.
            try {
                future.waitForFinished();
            } catch (...) {
            }
        }
        releaseRetiredJobs();
    }

    template <typename T>
    void addFuture(const QFuture<T>& future) {
        futures_.erase(std::remove_if(futures_.begin(), futures_.end(),
                                      [](const QFuture<void>& f) { return f.isFinished(); }),
                       futures_.end());
        futures_.append(QFuture<void>(future));
    }

private:
    QList<QFuture<void>> futures_;
};

}  // namespace llmap::ui
