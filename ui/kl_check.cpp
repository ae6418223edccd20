#include "kl_check.h"

#include <QTimer>

#include "background_task.h"

namespace llmap::ui {

KlCheck::KlCheck(QObject* parent) : QObject(parent), poll_(new QTimer(this)) {
    poll_->setInterval(200);
    connect(poll_, &QTimer::timeout, this, [this] {
        if (counters_) Q_EMIT progress(counters_->done.load(), counters_->total.load());
    });
}

KlCheck::~KlCheck() {
    if (counters_) counters_->cancel.cancel();
}

bool KlCheck::start(SampleKlOptions options) {
    if (running_) return false;
    running_ = true;
    counters_ = std::make_shared<Counters>();
    counters_->total = static_cast<int>(options.samples);
    std::shared_ptr<Counters> counters = counters_;
    options.cancel = &counters->cancel;
    options.progress = [counters](size_t done, size_t) { counters->done = static_cast<int>(done); };
    auto future = runInBackground([options, counters]() { return runSampleKl(options); });
    synchronizer_.addFuture(future);
    poll_->start();
    onResultReady(future, this, jobs_.next(), [this](JobOutcome<SampleKlResult> outcome) {
        running_ = false;
        poll_->stop();
        if (!outcome.result) {
            Q_EMIT failed(outcome.error);
            return;
        }
        Q_EMIT progress(counters_->done.load(), counters_->total.load());
        Q_EMIT finished(*outcome.result);
    });
    return true;
}

void KlCheck::cancel() {
    if (counters_) counters_->cancel.cancel();
}

}  // namespace llmap::ui
