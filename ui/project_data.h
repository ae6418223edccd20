#pragma once
// Everything the window shows about a project, read once off the UI thread. The HDF5 file is open
// only while loading; the window works on this in-memory copy.
#include <Eigen/Core>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVector>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/model_profile.h"
#include "text/text_set.h"

namespace llmap {
class Project;
}

namespace llmap::ui {

struct ProjectData {
    QString path;
    QString convention;
    QString matrix = QStringLiteral("loglik");  // "pmi": log p(y|x) - log p(y) (scores, centred)
    bool hasPmi = false;                        // the project keeps the marginal matrix
    QString textSetHash;
    TextSet texts;
    size_t modelsInProject = 0;

    // One entry per model on the map (fully scored), in project row order.
    std::vector<size_t> rows;
    QStringList ids;
    std::vector<nlohmann::json> metadata;  // one JSON object per model
    Eigen::MatrixXd scores;                // K x N raw log-likelihoods
    Eigen::MatrixXd centred;               // K x N, clipped and double-centred
    Eigen::MatrixXd xy;                    // K x 2 map coordinates
    QString method;
    double clipThreshold = 0;
    Eigen::VectorXd meanLogLikelihood;
    SourceProfile sources;

    // Models with some texts still unscored (an interrupted run): id and folder, from metadata.
    QList<QPair<QString, QString>> unfinished;

    // Fields a model can be coloured by: metadata fields, then the derived ones.
    QStringList fields;
    // The value of `field` for model `i`: a double for numbers, a QString otherwise, invalid if
    // the model has none.
    QVariant value(int i, const QString& field) const;
    bool isNumeric(const QString& field) const;
    // Model i's folder (or GGUF file) as scoring recorded it; empty when the project has none.
    QString folder(int i) const;

    static constexpr const char* kMeanLogLikelihood = "mean log-likelihood";
    static constexpr const char* kPrimarySource = "primary text source";
    static constexpr const char* kCluster = "cluster";

    // Interpolation paths (models written by `llmap-cli interpolate` or Interpolate…): per pair of
    // end folders, the indices of the models on it in the order of alpha, with the end models
    // first and last when they are on the map.
    std::vector<std::vector<int>> paths;

    // The latest clustering, one label per model (-1: noise); empty until the user clusters.
    std::vector<int> clusters;
    static QString clusterName(int label);
};

// Reads and prepares a project. Throws llmap::Error (with the file and the fix) on failure.
// `checkInChild` reads the file in a forked copy first (store/project_check.h), so a file that
// crashes libhdf5 is refused instead of ending the program; only while no other thread of the
// program is inside libhdf5 (no scoring run).
// `matrix`: "loglik", or "pmi" where the project has it (else the log-likelihoods are shown).
ProjectData loadProjectData(const QString& path, const QString& method = QStringLiteral("pca"),
                            bool checkInChild = false,
                            const QString& matrix = QStringLiteral("loglik"));
// The same from a project already open (the scoring worker's, which owns the file while it runs);
// its selected matrix is left as it was.
ProjectData loadProjectData(Project& project, const QString& method,
                            const QString& matrix = QStringLiteral("loglik"));

// The interpolation paths among models with these metadata objects (their "path" and
// "interpolation" fields): see ProjectData::paths.
std::vector<std::vector<int>> interpolationPaths(const std::vector<nlohmann::json>& metadata);

// A new layout of the same models ("pca", "mds", "tsne"), rotated onto `previous` (when given) so
// that the map does not jump. Runs in the caller's thread; safe to run off the UI thread.
Eigen::MatrixXd computeLayout(const ProjectData& data, const QString& method,
                              const Eigen::MatrixXd* previous = nullptr);

}  // namespace llmap::ui
