#pragma once
// The geometry every view of a project starts from: its fully scored models in project order, with
// their ids, clipped at the project's stored threshold (a fresh one when it has none, or when asked
// to clip again) and double-centred. The desktop map and the command-line analyses share it, so
// that both show the same models the same way.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "analysis/geometry.h"

namespace llmap {

class Project;

struct ProjectGeometryOptions {
    size_t minModels = 1;  // fewer fully scored models: InputError (computeGeometry)
    bool reclip = false;   // ignore the stored threshold and compute a fresh one
};

struct ProjectGeometry {
    Geometry geometry;
    std::vector<std::string> ids;  // model ids of geometry.rows
    // The threshold was computed here, not read from the project (none stored, or reclip).
    bool freshThreshold = false;
};

// `scores` is project.scores(), passed in by callers that need the raw matrix too.
ProjectGeometry projectGeometry(const Project& project, const Eigen::MatrixXd& scores,
                                const ProjectGeometryOptions& options);
ProjectGeometry projectGeometry(const Project& project, const ProjectGeometryOptions& options);

}  // namespace llmap
