#pragma once
// The open project and its background jobs, apart from the window and the panels that show them:
// opening, creating and copying project files, the loaded data, new map layouts and clusterings.
// Nothing here waits: each job's result comes back on the UI thread through onResultReady, a
// result made stale by a newer request (another layout, another project) is dropped, and every
// failure is reported with `failed`. The destructor ends the jobs still running (a
// FutureSynchronizer).
#include <QObject>
#include <QString>
#include <functional>
#include <memory>
#include <vector>

#include "analysis/cluster_models.h"
#include "future_synchronizer.h"
#include "project_data.h"
#include "result_ready.h"

namespace llmap::ui {

class ProjectSession : public QObject {
    Q_OBJECT
public:
    enum class Job { Open, Create, SaveAs, Layout, Clustering, Interpolation };

    explicit ProjectSession(QObject* parent = nullptr);
    ~ProjectSession() override;

    // The project shown; null until one opens. Replaced when `opened` or `updated` is signalled;
    // in between only its layout (xy, method), clusters and fields change.
    const ProjectData* data() const { return data_.get(); }

    // Whether a project file is being opened, created or copied, and which one. One such job at a
    // time: another is refused (with `failed`) while one runs.
    bool isBusy() const { return !busyPath_.isEmpty(); }
    QString busyPath() const { return busyPath_; }
    // Asked before each read whether the file may be read in a forked copy first
    // (loadProjectData's checkInChild). Without it, never.
    void setChildCheck(std::function<bool()> allowed) { childCheck_ = std::move(allowed); }

    // Reads `path`; then `opened`, or `failed` (what was open stays open).
    void open(const QString& path);
    // Creates a project on the text set `texts` (JSONL/CSV/TXT, gzip allowed) at `path`, replacing
    // a file there, and opens it.
    void create(const QString& path, const QString& texts, const QString& convention);
    // Copies the open project to `path` and opens the copy.
    void saveAs(const QString& path);
    // Writes the models (1 - alpha) * from + alpha * to into `outDir`, one Hugging Face folder per
    // alpha (model/interpolate.h; a folder already written for that pair and alpha is reused);
    // then `interpolated` with their folders, or `failed`.
    void interpolate(const QString& from, const QString& to, const std::vector<double>& alphas,
                     const QString& outDir);
    // The matrix the map shows: "loglik" or "pmi" (prompt-response projects scored with PMI).
    // Reads the open project again with it; later opens use it where the project has it.
    void setMatrix(const QString& matrix);
    QString matrix() const { return matrix_; }
    // A newer reading of the open project (the scoring worker's): shown rotated onto the current
    // map so that it does not jump, then laid out again if another layout was asked for.
    void update(const ProjectData& newer);

    // Lays the map out with `method` ("pca", "mds", "tsne") in the background; a later layout or
    // another project drops this one's result. Returns whether a job was started.
    bool setLayout(const QString& method);
    // The layout asked for last: the one shown, or the one being computed.
    QString requestedLayout() const { return method_; }
    // Clusters the models; a later clustering or another project drops this one's result.
    bool cluster(const ClusterOptions& options);

    static QString layoutName(const QString& method);

Q_SIGNALS:
    void opened();       // data() is a newly opened project
    void updated();      // data() is a newer reading of the same project
    void layoutReady();  // data()->xy and data()->method hold the layout asked for
    void clustersReady(std::shared_ptr<const ClusterResult> result);  // data()->clusters too
    void interpolated(const QStringList& folders);
    void failed(ProjectSession::Job job, const QString& message);

private:
    template <typename T, typename Callback>
    void watch(const QFuture<T>& future, JobGeneration::Ticket ticket, Callback callback) {
        synchronizer_.addFuture(future);
        onResultReady(future, this, ticket, std::move(callback));
    }
    bool beginFileJob(Job job, const QString& path);
    void startOpen(const QString& path);
    void show(std::shared_ptr<ProjectData> data);
    void fail(Job job, const QString& message);

    std::shared_ptr<ProjectData> data_;
    QString busyPath_;
    QString matrix_ = QStringLiteral("loglik");
    QString method_;
    QString computing_;  // the layout being computed, if any
    QFuture<Eigen::MatrixXd> layoutJob_;
    std::function<bool()> childCheck_;
    JobGeneration files_, layouts_, clusterings_, interpolations_;
    FutureSynchronizer synchronizer_;
};

}  // namespace llmap::ui
