#include "project_data.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "analysis/geometry.h"
#include "analysis/model_map.h"
#include "analysis/procrustes.h"
#include "analysis/project_geometry.h"
#include "store/model_metadata.h"
#include "store/project.h"
#include "store/project_check.h"

namespace llmap::ui {

ProjectData loadProjectData(const QString& path, const QString& method, bool checkInChild,
                            const QString& matrix) {
    if (checkInChild) requireProjectReadable(path.toStdString());
    Project project = Project::open(path.toStdString());
    return loadProjectData(project, method, matrix);
}

namespace {
ProjectData loadSelected(const Project& project, const QString& method);

// Selects a matrix for one reading and restores the one selected before.
class MatrixSelection {
public:
    MatrixSelection(Project& project, const std::string& matrix)
        : project_(project), before_(project.matrix()) {
        project_.selectMatrix(matrix);
    }
    ~MatrixSelection() { project_.selectMatrix(before_); }
    MatrixSelection(const MatrixSelection&) = delete;
    MatrixSelection& operator=(const MatrixSelection&) = delete;

private:
    Project& project_;
    std::string before_;
};
}  // namespace

ProjectData loadProjectData(Project& project, const QString& method, const QString& matrix) {
    const bool pmi = matrix == QLatin1String("pmi") && project.hasMarginal();
    const MatrixSelection selection(project, pmi ? "pmi" : "loglik");
    return loadSelected(project, method);
}

namespace {
ProjectData loadSelected(const Project& project, const QString& method) {
    ProjectData d;
    d.path = QString::fromStdString(project.path());
    d.convention = QString::fromStdString(project.convention());
    d.matrix = QString::fromStdString(project.matrix());
    d.hasPmi = project.hasMarginal();
    d.textSetHash = QString::fromStdString(project.textSetHash());
    d.texts = project.texts();
    d.modelsInProject = project.modelCount();

    Eigen::MatrixXd all = project.scores();
    for (Eigen::Index r = 0; r < all.rows(); ++r) {
        if (!all.row(r).array().isNaN().any()) continue;
        const auto& m = project.models()[static_cast<size_t>(r)];
        const nlohmann::json meta = nlohmann::json::parse(m.metadataJson, nullptr, false);
        if (meta.is_object() && meta.contains("path") && meta["path"].is_string()) {
            d.unfinished.append({QString::fromStdString(m.id),
                                 QString::fromStdString(meta["path"].get<std::string>())});
        }
    }
    d.method = method;
    if (completeRowIndices(all).size() < 2) return d;  // nothing to map yet: texts only
    ProjectGeometryOptions options;
    options.minModels = 2;
    ProjectGeometry geometry = projectGeometry(project, all, options);
    d.rows = std::move(geometry.geometry.rows);
    d.clipThreshold = geometry.geometry.clipThreshold;
    d.centred = std::move(geometry.geometry.centred);
    d.scores.resize(static_cast<Eigen::Index>(d.rows.size()), all.cols());
    for (size_t i = 0; i < d.rows.size(); ++i) {
        const ModelRecord& m = project.models()[d.rows[i]];
        d.ids << QString::fromStdString(geometry.ids[i]);
        nlohmann::json j = nlohmann::json::parse(m.metadataJson, nullptr, false);
        d.metadata.push_back(j.is_object() ? j : nlohmann::json::object());
        d.scores.row(static_cast<Eigen::Index>(i)) = all.row(static_cast<Eigen::Index>(d.rows[i]));
    }
    d.paths = interpolationPaths(d.metadata);
    d.meanLogLikelihood = d.scores.rowwise().mean();
    d.xy = computeLayout(d, method);
    d.sources = sourceProfile(d.centred, d.texts.sources);

    std::vector<ModelRecord> shown;
    for (size_t r : d.rows) shown.push_back(project.models()[r]);
    for (const std::string& f : metadataFields(shown)) d.fields << QString::fromStdString(f);
    d.fields << QString::fromLatin1(ProjectData::kMeanLogLikelihood);
    if (d.sources.sources.size() > 1) d.fields << QString::fromLatin1(ProjectData::kPrimarySource);
    return d;
}
}  // namespace

namespace {
// A folder as one spelling: absolute, links resolved where they exist, no trailing separator.
std::string folderKey(const std::string& path) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
    if (ec) p = std::filesystem::absolute(path, ec);
    p = p.lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    return p.string();
}

std::string stringField(const nlohmann::json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}
}  // namespace

std::vector<std::vector<int>> interpolationPaths(const std::vector<nlohmann::json>& metadata) {
    std::map<std::string, int> byFolder;
    for (size_t i = 0; i < metadata.size(); ++i) {
        const std::string path = stringField(metadata[i], "path");
        if (!path.empty()) byFolder.emplace(folderKey(path), static_cast<int>(i));
    }
    // (from, to) -> (alpha, model) of the models between them.
    std::map<std::pair<std::string, std::string>, std::vector<std::pair<double, int>>> between;
    for (size_t i = 0; i < metadata.size(); ++i) {
        if (!metadata[i].is_object() || !metadata[i].contains("interpolation")) continue;
        const nlohmann::json& step = metadata[i]["interpolation"];
        const std::string from = stringField(step, "from"), to = stringField(step, "to");
        if (from.empty() || to.empty() || !step.contains("alpha") || !step["alpha"].is_number())
            continue;
        between[{folderKey(from), folderKey(to)}].emplace_back(step["alpha"].get<double>(),
                                                               static_cast<int>(i));
    }
    std::vector<std::vector<int>> paths;
    for (auto& [ends, steps] : between) {
        std::sort(steps.begin(), steps.end());
        std::vector<int> path;
        const auto from = byFolder.find(ends.first);
        if (from != byFolder.end()) path.push_back(from->second);
        for (const auto& step : steps) path.push_back(step.second);
        const auto to = byFolder.find(ends.second);
        if (to != byFolder.end()) path.push_back(to->second);
        if (path.size() >= 2) paths.push_back(std::move(path));
    }
    return paths;
}

Eigen::MatrixXd computeLayout(const ProjectData& data, const QString& method,
                              const Eigen::MatrixXd* previous) {
    Geometry geometry;
    geometry.rows = data.rows;
    geometry.clipThreshold = data.clipThreshold;
    geometry.centred = data.centred;
    ModelMap map = mapOfGeometry(geometry, method.toStdString(), MapOptions());
    if (previous && previous->rows() == map.xy.rows() && map.xy.rows() >= 3) {
        map.xy = procrustesAlign(map.xy, *previous);
    }
    return map.xy;
}

QString ProjectData::folder(int i) const {
    return QString::fromStdString(stringField(metadata.at(static_cast<size_t>(i)), "path"));
}

QString ProjectData::clusterName(int label) {
    return label < 0 ? QStringLiteral("noise") : QStringLiteral("cluster %1").arg(label + 1);
}

QVariant ProjectData::value(int i, const QString& field) const {
    if (field == QLatin1String(kCluster) && !clusters.empty()) {
        return clusterName(clusters[static_cast<size_t>(i)]);
    }
    if (field == QLatin1String(kMeanLogLikelihood)) return meanLogLikelihood(i);
    if (field == QLatin1String(kPrimarySource)) {
        return QString::fromStdString(sources.primary[static_cast<size_t>(i)]);
    }
    const nlohmann::json& j = metadata[static_cast<size_t>(i)];
    auto it = j.find(field.toStdString());
    if (it == j.end() || it->is_null()) return {};
    if (it->is_number()) return it->get<double>();
    if (it->is_string()) return QString::fromStdString(it->get<std::string>());
    return QString::fromStdString(it->dump());
}

bool ProjectData::isNumeric(const QString& field) const {
    bool any = false;
    for (int i = 0; i < ids.size(); ++i) {
        QVariant v = value(i, field);
        if (!v.isValid()) continue;
        if (v.typeId() != QMetaType::Double) return false;
        any = true;
    }
    return any;
}

}  // namespace llmap::ui
