#pragma once
// Scores model folders into a project, one after another, on a worker thread: the window never
// waits. Progress arrives as signals; cancel stops after the current batch (finished texts are
// kept, and a later run resumes there); a model that fails is reported and the queue goes on.
// While it runs, the worker owns the project file (HDF5 allows one writer): the window works on
// its in-memory copy and reloads after each model.
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <functional>
#include <memory>

#include "project_data.h"
#include "score/progress.h"
#include "score/scorer.h"

namespace llmap::ui {

struct ScoringJob {
    QString modelId;
    QString folder;
};

class ScoringQueue : public QObject {
    Q_OBJECT
public:
    explicit ScoringQueue(QObject* parent = nullptr);
    ~ScoringQueue() override;

    // Queues jobs for `projectPath` (a running queue must finish or be cancelled before another
    // project is scored).
    // `mapMethod`, `matrix`: after each model the worker also prepares the project's new map data
    // with them (loadProjectData).
    bool enqueue(const QString& projectPath, const QList<ScoringJob>& jobs,
                 const ScoreOptions& options, const QString& mapMethod,
                 const QString& matrix = QStringLiteral("loglik"));
    // Stops after the current batch and drops the rest of the queue.
    void cancel();
    // Stops after the current batch and keeps the queue (the current model first); resume()
    // goes on where it stopped.
    void pause();
    void resume();
    bool isPaused() const;
    bool isRunning() const;
    int pending() const;
    // Waits for the worker to stop (the window calls it on close after cancel()).
    void wait();

Q_SIGNALS:
    void modelStarted(const QString& modelId, int index, int total);
    void progressed(const QString& modelId, qulonglong textsDone, qulonglong textsTotal,
                    double tokensPerSecond, double etaSeconds);
    // ok: scored completely; cancelled: stopped by the user (partial scores kept). `data` is the
    // project as it is now (null when it could not be read).
    void modelFinished(const QString& modelId, bool ok, bool cancelled, const QString& message,
                       std::shared_ptr<const ProjectData> data);
    void queueFinished();
    void queuePaused();

private:
    struct Shared;
    void runNext();
    void runOnDevices(std::shared_ptr<CancelToken> cancel);
    static void post(ScoringQueue* queue, Shared& shared, std::function<void(ScoringQueue*)> call);
    Q_INVOKABLE void deliverMail();

    std::shared_ptr<Shared> shared_;
    QThread* thread_ = nullptr;
};

}  // namespace llmap::ui
