#include "scoring_queue.h"

#include <QMetaObject>
#include <QMutex>
#include <chrono>
#include <functional>
#include <memory>

#include "store/project.h"
#include "util/error.h"

namespace llmap::ui {

struct ScoringQueue::Shared {
    QMutex mutex;
    QString projectPath;
    QList<ScoringJob> jobs;
    ScoreOptions options;
    QString mapMethod;
    bool paused = false;
    int done = 0, total = 0;
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();  // the current model's
    // Calls from the worker for the UI thread. They travel under `mutex`, not inside Qt's queued
    // events: ThreadSanitizer sees this mutex but not the one in a Qt built without it.
    QList<std::function<void(ScoringQueue*)>> mail;
};

// On the worker: queues `call` for the UI thread. The queue outlives its worker (its destructor
// waits for it), so `queue` is valid here.
void ScoringQueue::post(ScoringQueue* queue, Shared& shared,
                        std::function<void(ScoringQueue*)> call) {
    {
        QMutexLocker lock(&shared.mutex);
        shared.mail.append(std::move(call));
    }
    QMetaObject::invokeMethod(queue, "deliverMail", Qt::QueuedConnection);
}

void ScoringQueue::deliverMail() {
    QList<std::function<void(ScoringQueue*)>> calls;
    {
        QMutexLocker lock(&shared_->mutex);
        calls.swap(shared_->mail);
    }
    for (const auto& call : calls) call(this);
}

namespace {

// Forwards the engine's progress to the UI thread, at most ten times a second.
class SignalSink : public ProgressSink {
public:
    using Post = std::function<void(std::function<void(ScoringQueue*)>)>;
    SignalSink(Post post, QString id) : post_(std::move(post)), id_(std::move(id)) {}
    void onProgress(const ScoreProgress& p) override {
        const auto now = std::chrono::steady_clock::now();
        if (p.textsDone < p.textsTotal && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        const QString id = id_;
        const auto done = static_cast<qulonglong>(p.textsDone),
                   total = static_cast<qulonglong>(p.textsTotal);
        const double rate = p.tokensPerSecond, eta = p.etaSeconds;
        post_([=](ScoringQueue* queue) { Q_EMIT queue->progressed(id, done, total, rate, eta); });
    }

private:
    Post post_;
    QString id_;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace

ScoringQueue::ScoringQueue(QObject* parent)
    : QObject(parent), shared_(std::make_shared<Shared>()) {}

ScoringQueue::~ScoringQueue() {
    // No signals from here on: receivers such as the parent panel may be half destroyed already.
    blockSignals(true);
    cancel();
    wait();
    delete thread_;  // the last worker thread; earlier ones went with deleteLater
}

bool ScoringQueue::isRunning() const {
    return thread_ && thread_->isRunning();
}

int ScoringQueue::pending() const {
    QMutexLocker lock(&shared_->mutex);
    return static_cast<int>(shared_->jobs.size());
}

bool ScoringQueue::enqueue(const QString& projectPath, const QList<ScoringJob>& jobs,
                           const ScoreOptions& options, const QString& mapMethod) {
    {
        QMutexLocker lock(&shared_->mutex);
        if (isRunning() && projectPath != shared_->projectPath) return false;
        if (!isRunning()) {
            shared_->projectPath = projectPath;
            shared_->options = options;
            shared_->mapMethod = mapMethod;
            shared_->done = 0;
            shared_->total = 0;
        }
        shared_->jobs.append(jobs);
        shared_->total += static_cast<int>(jobs.size());
    }
    if (!isRunning()) runNext();
    return true;
}

void ScoringQueue::cancel() {
    {
        QMutexLocker lock(&shared_->mutex);
        shared_->jobs.clear();
        shared_->paused = false;
        shared_->cancel->cancel();
    }
    if (!isRunning()) Q_EMIT queueFinished();  // a paused queue has no model running
}

void ScoringQueue::pause() {
    QMutexLocker lock(&shared_->mutex);
    shared_->paused = true;
    shared_->cancel->cancel();
}

void ScoringQueue::resume() {
    {
        QMutexLocker lock(&shared_->mutex);
        if (!shared_->paused) return;
        shared_->paused = false;
    }
    if (!isRunning()) runNext();
}

bool ScoringQueue::isPaused() const {
    QMutexLocker lock(&shared_->mutex);
    return shared_->paused;
}

void ScoringQueue::wait() {
    if (thread_) thread_->wait();
}

void ScoringQueue::runNext() {
    ScoringJob job;
    int index = 0, total = 0;
    std::shared_ptr<CancelToken> cancel;
    {
        QMutexLocker lock(&shared_->mutex);
        if (shared_->paused) {
            lock.unlock();
            Q_EMIT queuePaused();
            return;
        }
        if (shared_->jobs.isEmpty()) {
            lock.unlock();
            Q_EMIT queueFinished();
            return;
        }
        job = shared_->jobs.takeFirst();
        index = shared_->done++;
        total = shared_->total;
        shared_->cancel = cancel = std::make_shared<CancelToken>();  // reaches this model only
    }
    Q_EMIT modelStarted(job.modelId, index, total);

    auto shared = shared_;
    if (thread_) {
        thread_->wait();
        thread_->deleteLater();
    }
    thread_ = QThread::create([shared, job, cancel, this] {
        const auto toUi = [this, &shared](std::function<void(ScoringQueue*)> call) {
            post(this, *shared, std::move(call));
        };
        bool ok = false, cancelled = false;
        QString message;
        std::shared_ptr<const ProjectData> data;
        try {
            Project project = Project::open(shared->projectPath.toStdString(), true);
            ScoreOptions options = shared->options;
            options.modelId = job.modelId.toStdString();
            SignalSink sink(toUi, job.modelId);
            ScoreResult r =
                scoreModel(project, job.folder.toStdString(), options, &sink, cancel.get());
            cancelled = r.cancelled;
            ok = !r.cancelled;
            message = tr("%1 texts scored in %2 s on %3 (%4)")
                          .arg(r.textsScored)
                          .arg(r.seconds, 0, 'f', 1)
                          .arg(QString::fromStdString(r.device), QString::fromStdString(r.dtype));
            try {
                data = std::make_shared<ProjectData>(loadProjectData(project, shared->mapMethod));
            } catch (const Error&) {
                // Fewer than two fully scored models: nothing to map yet.
            }
        } catch (const Error& e) {
            message = QString::fromStdString(e.message());
        } catch (const std::exception& e) {
            message = job.folder + QStringLiteral(": ") + QString::fromUtf8(e.what());
        }
        if (cancelled) {
            QMutexLocker lock(&shared->mutex);
            if (shared->paused) {  // paused, not cancelled: this model goes first on resume
                shared->jobs.prepend(job);
                --shared->done;
            }
        }
        toUi([=](ScoringQueue* queue) {
            Q_EMIT queue->modelFinished(job.modelId, ok, cancelled, message, data);
            queue->runNext();
        });
    });
    thread_->start();
}

}  // namespace llmap::ui
