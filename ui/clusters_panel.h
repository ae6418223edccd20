#pragma once
// Clusters of the models on the map: method and parameters, computed off the UI thread; the
// clusters with their members (choosing one selects it on the map), the silhouette, and the
// dendrogram for hierarchical methods.
#include <QFutureWatcher>
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
    // Runs the clustering with the panel's settings; clustersReady reports the result.
    void compute();
    QComboBox* methodBox() const { return method_; }
    QSpinBox* kBox() const { return k_; }
    QTreeWidget* tree() const { return tree_; }
    DendrogramView* dendrogram() const { return dendrogram_; }
    // Colours of the clusters on the map, in label order (set by the window after colouring).
    void setClusterColours(const QVector<QColor>& colours);

Q_SIGNALS:
    void clustersReady(const std::vector<int>& labels);
    void clusterChosen(const QSet<int>& members);

private:
    // What a clustering run gives back: a result, or the message saying why there is none.
    struct Outcome {
        std::shared_ptr<ClusterResult> result;
        QString error;
    };
    void showResult(const ClusterResult& result);
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
    QFutureWatcher<Outcome>* watcher_ = nullptr;
    std::shared_ptr<ClusterResult> result_;
};

}  // namespace llmap::ui
