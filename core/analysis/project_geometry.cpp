#include "analysis/project_geometry.h"

#include "store/project.h"

namespace llmap {

ProjectGeometry projectGeometry(const Project& project, const Eigen::MatrixXd& scores,
                                const ProjectGeometryOptions& options) {
    GeometryOptions o;
    o.minModels = options.minModels;
    const std::optional<double> stored = project.clipThreshold();
    if (stored && !options.reclip) o.clipThreshold = *stored;
    ProjectGeometry g;
    g.geometry = computeGeometry(scores, o);
    g.freshThreshold = !o.clipThreshold;
    g.ids.reserve(g.geometry.rows.size());
    for (size_t r : g.geometry.rows) g.ids.push_back(project.models()[r].id);
    return g;
}

ProjectGeometry projectGeometry(const Project& project, const ProjectGeometryOptions& options) {
    return projectGeometry(project, project.scores(), options);
}

}  // namespace llmap
