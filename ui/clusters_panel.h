#pragma once
// Clusters of the models on the map: method and parameters (the clustering itself runs in the
// project session); the clusters with their members (choosing one selects it on the map), the
// silhouette, and the dendrogram for hierarchical methods.
#include <QWidget>
#include <memory>

#include "analysis/cluster_models.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace llmap::ui {

class DendrogramView;
struct ProjectData;

class ClustersPanel : public QWidget {
    Q_OBJECT
public:
    explicit ClustersPanel(QWidget* parent = nullptr);
    void setData(const ProjectData* data);
    // Asks for a clustering with the panel's settings (computeRequested); showResult or
    // showFailure follow.
    void compute();
    // A clustering of the models shown (clustersReady follows), or why there is none.
    void showResult(std::shared_ptr<const ClusterResult> result);
    void showFailure(const QString& message);
    QComboBox* methodBox() const { return method_; }
    QSpinBox* minSamplesBox() const { return minSamples_; }
    QLabel* summary() const { return summary_; }
    QSpinBox* kBox() const { return k_; }
    QTreeWidget* tree() const { return tree_; }
    DendrogramView* dendrogram() const { return dendrogram_; }
    // Colours of the clusters on the map, in label order (set by the window after colouring).
    void setClusterColours(const QVector<QColor>& colours);

Q_SIGNALS:
    void computeRequested(const ClusterOptions& options);
    void clustersReady(const std::vector<int>& labels);
    void clusterChosen(const QSet<int>& members);

private:
    void updateControls();

    const ProjectData* data_ = nullptr;
    QComboBox* method_ = nullptr;
    QSpinBox* k_ = nullptr;
    QDoubleSpinBox* eps_ = nullptr;
    QSpinBox* minSamples_ = nullptr;
    QPushButton* run_ = nullptr;
    QLabel* summary_ = nullptr;
    QTreeWidget* tree_ = nullptr;
    DendrogramView* dendrogram_ = nullptr;
    std::shared_ptr<const ClusterResult> result_;
};

}  // namespace llmap::ui
