#include "scoring_queue.h"

#include <QMetaObject>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "model/device.h"
#include "score/device_pool.h"
#include "store/project.h"
#include "util/error.h"

namespace llmap::ui {

struct ScoringQueue::Shared {
    // A std::mutex, not a QMutex: a contended QMutex is taken and let go inside Qt, where a Qt
    // built without ThreadSanitizer hides the ordering it gives.
    std::mutex mutex;
    QString projectPath;
    QList<ScoringJob> jobs;
    ScoreOptions options;
    QString mapMethod;
    QString matrix;  // of the map data prepared after each model
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
        const std::lock_guard<std::mutex> lock(shared.mutex);
        shared.mail.append(std::move(call));
    }
    QMetaObject::invokeMethod(queue, "deliverMail", Qt::QueuedConnection);
}

void ScoringQueue::deliverMail() {
    QList<std::function<void(ScoringQueue*)>> calls;
    {
        const std::lock_guard<std::mutex> lock(shared_->mutex);
        calls.swap(shared_->mail);
    }
    for (const auto& call : calls) call(this);
}

namespace {

// Forwards the engine's progress to the UI thread, at most ten times a second, under `id` (or,
// when it is empty, the id the engine reports: one sink serves a device's successive models).
class SignalSink : public ProgressSink {
public:
    using Post = std::function<void(std::function<void(ScoringQueue*)>)>;
    SignalSink(Post post, QString id) : post_(std::move(post)), id_(std::move(id)) {}
    void onProgress(const ScoreProgress& p) override {
        const auto now = std::chrono::steady_clock::now();
        if (p.textsDone < p.textsTotal && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        const QString id = id_.isEmpty() ? QString::fromStdString(p.model) : id_;
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
    const std::lock_guard<std::mutex> lock(shared_->mutex);
    return static_cast<int>(shared_->jobs.size());
}

bool ScoringQueue::enqueue(const QString& projectPath, const QList<ScoringJob>& jobs,
                           const ScoreOptions& options, const QString& mapMethod,
                           const QString& matrix) {
    {
        const std::lock_guard<std::mutex> lock(shared_->mutex);
        if (isRunning() && projectPath != shared_->projectPath) return false;
        if (!isRunning()) {
            shared_->projectPath = projectPath;
            shared_->options = options;
            shared_->mapMethod = mapMethod;
            shared_->matrix = matrix;
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
        const std::lock_guard<std::mutex> lock(shared_->mutex);
        shared_->jobs.clear();
        shared_->paused = false;
        shared_->cancel->cancel();
    }
    if (!isRunning()) Q_EMIT queueFinished();  // a paused queue has no model running
}

void ScoringQueue::pause() {
    const std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->paused = true;
    shared_->cancel->cancel();
}

void ScoringQueue::resume() {
    {
        const std::lock_guard<std::mutex> lock(shared_->mutex);
        if (!shared_->paused) return;
        shared_->paused = false;
    }
    if (!isRunning()) runNext();
}

bool ScoringQueue::isPaused() const {
    const std::lock_guard<std::mutex> lock(shared_->mutex);
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
        std::unique_lock<std::mutex> lock(shared_->mutex);
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
    const bool pool =
        shared_->options.device == "all" || shared_->options.device.find(',') != std::string::npos;
    if (!pool) Q_EMIT modelStarted(job.modelId, index, total);

    auto shared = shared_;
    if (thread_) {
        thread_->wait();
        thread_->deleteLater();
    }
    if (shared->options.device == "all" || shared->options.device.find(',') != std::string::npos) {
        {
            const std::lock_guard<std::mutex> lock(shared_->mutex);
            shared_->jobs.prepend(job);  // the pool takes the whole queue
            --shared_->done;
        }
        runOnDevices(cancel);
        return;
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
                data = std::make_shared<ProjectData>(
                    loadProjectData(project, shared->mapMethod, shared->matrix));
            } catch (const Error&) {
                // Fewer than two fully scored models: nothing to map yet.
            }
        } catch (const Error& e) {
            message = QString::fromStdString(e.message());
        } catch (const std::exception& e) {
            message = job.folder + QStringLiteral(": ") + QString::fromUtf8(e.what());
        }
        if (cancelled) {
            const std::lock_guard<std::mutex> lock(shared->mutex);
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

namespace {

// The pool's progress and ends, posted to the UI thread as the queue's signals.
class PoolSignals : public PoolListener {
public:
    using Post = std::function<void(std::function<void(ScoringQueue*)>)>;
    PoolSignals(Post post, QList<ScoringJob> jobs, size_t workers, int firstIndex, int total,
                Project& project, QString mapMethod, QString matrix)
        : post_(std::move(post)),
          jobs_(std::move(jobs)),
          firstIndex_(firstIndex),
          total_(total),
          project_(project),
          mapMethod_(std::move(mapMethod)),
          matrix_(std::move(matrix)) {
        for (size_t w = 0; w < workers; ++w)
            sinks_.push_back(std::make_unique<SignalSink>(post_, QString()));
    }
    ProgressSink* sinkFor(size_t worker) override { return sinks_.at(worker).get(); }
    void onStarted(size_t job, const std::string&) override {
        const QString id = jobs_.at(static_cast<int>(job)).modelId;
        const int index = firstIndex_ + started_++;
        const int total = total_;
        post_([=](ScoringQueue* queue) { Q_EMIT queue->modelStarted(id, index, total); });
    }
    // Under the pool's lock: the project is not being written.
    void onFinished(size_t job, const PoolOutcome& o) override {
        const ScoringJob& j = jobs_.at(static_cast<int>(job));
        const bool cancelled = o.result.cancelled;
        const bool ok = !o.failed && !cancelled;
        QString message;
        if (o.failed) {
            message = QString::fromStdString(o.error);
        } else {
            message = ScoringQueue::tr("%1 texts scored in %2 s on %3 (%4)")
                          .arg(o.result.textsScored)
                          .arg(o.result.seconds, 0, 'f', 1)
                          .arg(QString::fromStdString(o.result.device),
                               QString::fromStdString(o.result.dtype));
        }
        std::shared_ptr<const ProjectData> data;
        try {
            if (ok)
                data =
                    std::make_shared<ProjectData>(loadProjectData(project_, mapMethod_, matrix_));
        } catch (const Error&) {
            // Fewer than two fully scored models: nothing to map yet.
        }
        const QString id = j.modelId;
        post_([=](ScoringQueue* queue) {
            Q_EMIT queue->modelFinished(id, ok, cancelled, message, data);
        });
    }

private:
    Post post_;
    QList<ScoringJob> jobs_;
    int firstIndex_, total_, started_ = 0;
    Project& project_;
    QString mapMethod_, matrix_;
    std::vector<std::unique_ptr<SignalSink>> sinks_;
};

}  // namespace

// Several GPUs: the whole queue goes to scoreOnDevices at once, one model per GPU at a time.
void ScoringQueue::runOnDevices(std::shared_ptr<CancelToken> cancel) {
    QList<ScoringJob> jobs;
    int firstIndex = 0, total = 0;
    {
        const std::lock_guard<std::mutex> lock(shared_->mutex);
        jobs.swap(shared_->jobs);
        firstIndex = shared_->done;
        shared_->done += static_cast<int>(jobs.size());
        total = shared_->total;
    }
    auto shared = shared_;
    thread_ = QThread::create([shared, jobs, cancel, firstIndex, total, this] {
        const auto toUi = [this, &shared](std::function<void(ScoringQueue*)> call) {
            post(this, *shared, std::move(call));
        };
        QList<ScoringJob> unfinished;
        try {
            const std::string path = shared->projectPath.toStdString();
            Project project = Project::open(path, true);
            const std::vector<std::string> devices = resolveDevices(shared->options.device);
            std::vector<PoolJob> poolJobs;
            for (const ScoringJob& j : jobs)
                poolJobs.push_back({j.folder.toStdString(), j.modelId.toStdString()});
            PoolSignals listener(toUi, jobs, devices.size(), firstIndex, total, project,
                                 shared->mapMethod, shared->matrix);
            const std::vector<PoolOutcome> outcomes =
                scoreOnDevices(&project, project.texts(), poolJobs, devices, shared->options,
                               path + ".scoring", &listener, *cancel);
            for (size_t k = 0; k < outcomes.size(); ++k) {
                if (outcomes[k].result.cancelled || outcomes[k].device.empty())
                    unfinished.append(jobs.at(static_cast<int>(k)));
            }
        } catch (const Error& e) {
            const QString message = QString::fromStdString(e.message());
            for (const ScoringJob& j : jobs) {
                toUi([=](ScoringQueue* queue) {
                    Q_EMIT queue->modelFinished(j.modelId, false, false, message, nullptr);
                });
            }
        }
        {
            const std::lock_guard<std::mutex> lock(shared->mutex);
            if (shared->paused) {  // paused: the models not finished go first on resume
                for (auto it = unfinished.rbegin(); it != unfinished.rend(); ++it)
                    shared->jobs.prepend(*it);
                shared->done -= static_cast<int>(unfinished.size());
            }
        }
        toUi([](ScoringQueue* queue) { queue->runNext(); });
    });
    thread_->start();
}

}  // namespace llmap::ui
