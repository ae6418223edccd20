#include "project_session.h"

#include <QFile>
#include <QFileInfo>

#include <filesystem>

#include "analysis/model_map.h"
#include "background_task.h"
#include "model/interpolate.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "util/error.h"

namespace llmap::ui {

ProjectSession::ProjectSession(QObject* parent) : QObject(parent) {}

ProjectSession::~ProjectSession() = default;

QString ProjectSession::layoutName(const QString& method) {
    if (method == QLatin1String("pca")) return QStringLiteral("PCA");
    if (method == QLatin1String("mds")) return QStringLiteral("MDS");
    if (method == QLatin1String("tsne")) return QStringLiteral("t-SNE");
    return method;
}

void ProjectSession::fail(Job job, const QString& message) {
    Q_EMIT failed(job, message);
}

bool ProjectSession::beginFileJob(Job job, const QString& path) {
    if (isBusy()) {
        fail(job, tr("Still opening %1").arg(busyPath_));
        return false;
    }
    busyPath_ = path;
    return true;
}

void ProjectSession::open(const QString& path) {
    if (beginFileJob(Job::Open, path)) startOpen(path);
}

void ProjectSession::startOpen(const QString& path) {
    busyPath_ = path;
    const bool checkInChild = childCheck_ && childCheck_();
    const QString matrix = matrix_;
    auto future = runInBackground([path, checkInChild, matrix]() -> std::shared_ptr<ProjectData> {
        try {
            return std::make_shared<ProjectData>(
                loadProjectData(path, QStringLiteral("pca"), checkInChild, matrix));
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            throw Error(e.what(), path.toStdString());
        }
    });
    watch(future, files_.next(), [this](JobOutcome<std::shared_ptr<ProjectData>> outcome) {
        busyPath_.clear();
        if (!outcome.result) {
            fail(Job::Open, outcome.error);
            return;
        }
        show(std::move(*outcome.result));
        method_ = data_->method;
        Q_EMIT opened();
    });
}

void ProjectSession::create(const QString& path, const QString& texts, const QString& convention) {
    if (!beginFileJob(Job::Create, path)) return;
    auto future = runInBackground([path, texts, convention]() -> bool {
        if (QFileInfo::exists(path) && !QFile::remove(path)) {
            throw InputError("cannot replace the file", path.toStdString(), "choose another name");
        }
        const TextSet set = loadTextSet(texts.toStdString());
        // A prompt-response set has one convention (the chosen one is for plain texts).
        Project::create(path.toStdString(), set,
                        set.hasPrompts() ? std::string("response") : convention.toStdString());
        return true;
    });
    watch(future, files_.next(), [this, path](JobOutcome<bool> outcome) {
        if (!outcome.result) {
            busyPath_.clear();
            fail(Job::Create, outcome.error);
            return;
        }
        startOpen(path);
    });
}

void ProjectSession::interpolate(const QString& from, const QString& to,
                                 const std::vector<double>& alphas, const QString& outDir) {
    auto future = runInBackground([from, to, alphas, outDir]() -> QStringList {
        namespace fs = std::filesystem;
        const InterpolationPlan plan = planInterpolation(from.toStdString(), to.toStdString());
        std::error_code ec;
        fs::create_directories(outDir.toStdString(), ec);
        if (ec) {
            throw InputError("cannot create the folder (" + ec.message() + ")",
                             outDir.toStdString(), "choose a folder you can write to");
        }
        QStringList folders;
        for (const double alpha : alphas) {
            const fs::path target =
                fs::path(outDir.toStdString()) / interpolationFolderName(plan, alpha);
            if (!fs::exists(target / "llmap_interpolation.json"))
                writeInterpolation(plan, alpha, target.string());
            folders << QString::fromStdString(target.string());
        }
        return folders;
    });
    watch(future, interpolations_.next(), [this](JobOutcome<QStringList> outcome) {
        if (!outcome.result) {
            fail(Job::Interpolation, tr("The interpolation failed: %1").arg(outcome.error));
            return;
        }
        Q_EMIT interpolated(*outcome.result);
    });
}

void ProjectSession::setMatrix(const QString& matrix) {
    matrix_ = matrix;
    if (data_ && data_->matrix != matrix && beginFileJob(Job::Open, data_->path))
        startOpen(data_->path);
}

void ProjectSession::saveAs(const QString& path) {
    if (!data_) {
        fail(Job::SaveAs, tr("No project is open"));
        return;
    }
    if (!beginFileJob(Job::SaveAs, path)) return;
    const QString source = data_->path;
    auto future = runInBackground([source, path]() -> bool {
        const QString partial = path + QStringLiteral(".partial");
        QFile::remove(partial);
        if (!QFile::copy(source, partial) || (QFileInfo::exists(path) && !QFile::remove(path)) ||
            !QFile::rename(partial, path)) {
            QFile::remove(partial);
            throw Error("could not be written", path.toStdString(),
                        "check the folder and the free space");
        }
        return true;
    });
    watch(future, files_.next(), [this, path](JobOutcome<bool> outcome) {
        if (!outcome.result) {
            busyPath_.clear();
            fail(Job::SaveAs, outcome.error);
            return;
        }
        startOpen(path);
    });
}

void ProjectSession::show(std::shared_ptr<ProjectData> data) {
    // The jobs begun on the data shown until now are for models that may no longer be there.
    layouts_.drop();
    clusterings_.drop();
    layoutJob_.cancel();
    computing_.clear();
    data_ = std::move(data);
}

void ProjectSession::update(const ProjectData& newer) {
    if (!data_ || newer.path != data_->path) return;
    auto next = std::make_shared<ProjectData>(newer);
    // Keep the map still: rotate the new layout onto the current one over the models both show.
    if (data_->xy.rows() >= 3 && next->xy.rows() >= 3) {
        ModelMap current, moved;
        current.rows = data_->rows;
        current.xy = data_->xy;
        moved.rows = next->rows;
        moved.xy = next->xy;
        if (alignMap(moved, current)) next->xy = moved.xy;
    }
    const QString wanted = method_;
    show(std::move(next));
    Q_EMIT updated();
    if (!wanted.isEmpty() && wanted != data_->method) setLayout(wanted);
}

bool ProjectSession::setLayout(const QString& method) {
    if (!data_) return false;
    method_ = method;
    layoutJob_.cancel();  // a job not started yet need not start
    if (method == data_->method) {
        // The map shows it already: a layout still being computed is no longer wanted.
        layouts_.drop();
        if (!computing_.isEmpty()) {
            computing_.clear();
            Q_EMIT layoutReady();
        }
        return false;
    }
    computing_ = method;
    // The worker reads only rows, clipThreshold and centred, which never change once loaded; the
    // UI thread changes xy, method, clusters and fields. The current map is copied.
    std::shared_ptr<const ProjectData> data = data_;
    const Eigen::MatrixXd previous = data_->xy;
    layoutJob_ = runInBackground(
        [data, method, previous]() { return computeLayout(*data, method, &previous); });
    watch(layoutJob_, layouts_.next(), [this, method](JobOutcome<Eigen::MatrixXd> outcome) {
        computing_.clear();
        if (!outcome.result) {
            method_ = data_->method;
            fail(Job::Layout,
                 tr("The %1 map could not be computed: %2").arg(layoutName(method), outcome.error));
            return;
        }
        data_->xy = std::move(*outcome.result);
        data_->method = method;
        Q_EMIT layoutReady();
    });
    return true;
}

bool ProjectSession::cluster(const ClusterOptions& options) {
    if (!data_) return false;
    std::shared_ptr<const ProjectData> data = data_;  // read-only there: see setLayout
    auto future = runInBackground([data, options]() {
        return std::make_shared<const ClusterResult>(clusterModels(data->centred, options));
    });
    watch(future, clusterings_.next(),
          [this](JobOutcome<std::shared_ptr<const ClusterResult>> outcome) {
              if (!outcome.result) {
                  fail(Job::Clustering, tr("Clustering failed: %1").arg(outcome.error));
                  return;
              }
              std::shared_ptr<const ClusterResult> result = std::move(*outcome.result);
              data_->clusters = result->labels;
              const QString field = QString::fromLatin1(ProjectData::kCluster);
              if (!data_->fields.contains(field)) data_->fields << field;
              Q_EMIT clustersReady(result);
          });
    return true;
}

}  // namespace llmap::ui
