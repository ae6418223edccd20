#pragma once
// Handing a background job's result back to the UI thread, in the shape of Qt Creator's
// Utils::onResultReady: the callback runs on the context object's thread once the job has
// finished, only while the context object lives, and only if no newer job of the same kind has
// begun since. A stale result is dropped, never waited for.
#include <QFuture>
#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QString>
#include <exception>
#include <optional>
#include <utility>

#include "background_task.h"
#include "util/error.h"

namespace llmap::ui {

// Counts the jobs of one kind of which only the latest one's result counts (the map layout, the
// clustering, the project being opened). UI thread only.
class JobGeneration {
public:
    class Ticket {
    public:
        bool isCurrent() const { return owner_->current_ == value_; }

    private:
        friend class JobGeneration;
        Ticket(const JobGeneration* owner, quint64 value) : owner_(owner), value_(value) {}
        const JobGeneration* owner_;
        quint64 value_;
    };

    // A new job: from now on the results of the earlier ones are stale.
    Ticket next() { return Ticket(this, ++current_); }
    // Makes the result of the job running now stale, without starting another.
    void drop() { ++current_; }

private:
    quint64 current_ = 0;
};

// What a finished job gave: its result, or what it threw as one line for the user.
template <typename T>
struct JobOutcome {
    std::optional<T> result;
    QString error;
};

template <typename T>
JobOutcome<T> outcomeOf(const QFuture<T>& future) {
    JobOutcome<T> outcome;
    try {
        QList<T> results = future.results();  // rethrows what the job threw
        if (results.isEmpty()) {
            outcome.error = QObject::tr("the job was cancelled");
        } else {
            outcome.result = std::move(results.first());
        }
    } catch (const Error& e) {
        outcome.error = QString::fromStdString(e.message());
    } catch (const std::exception& e) {
        outcome.error = QString::fromUtf8(e.what());
    } catch (...) {
        outcome.error = QObject::tr("an unknown error");
    }
    return outcome;
}

// Calls callback(JobOutcome<T>) on `context`'s thread when `future` has finished, if `context`
// still lives and `ticket` is still current. The ticket's JobGeneration must live as long as
// `context` (a member of it): the watcher is a child of `context` and dies with it.
template <typename T, typename Callback>
void onResultReady(const QFuture<T>& future, QObject* context, JobGeneration::Ticket ticket,
                   Callback callback) {
    auto* watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, ticket, callback] {
        watcher->deleteLater();
        // First, so that this thread takes the lock the pool thread finished the job under: what
        // the job left (a result, or an exception stored inside Qt) is ordered before it is read.
        releaseRetiredJobs();
        if (ticket.isCurrent()) callback(outcomeOf(watcher->future()));
    });
    watcher->setFuture(future);
}

}  // namespace llmap::ui
