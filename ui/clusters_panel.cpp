#include "clusters_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "dendrogram_view.h"
#include "project_data.h"

namespace llmap::ui {

ClustersPanel::ClustersPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    method_ = new QComboBox(this);
    method_->addItem(tr("k-means++"), QStringLiteral("kmeans"));
    method_->addItem(tr("Ward (hierarchical)"), QStringLiteral("ward"));
    method_->addItem(tr("Average linkage"), QStringLiteral("average"));
    method_->addItem(tr("Complete linkage"), QStringLiteral("complete"));
    method_->addItem(tr("DBSCAN (density)"), QStringLiteral("dbscan"));
    method_->addItem(tr("HDBSCAN (density, any shape)"), QStringLiteral("hdbscan"));
    form->addRow(tr("Method"), method_);
    k_ = new QSpinBox(this);
    k_->setRange(1, 200);
    k_->setValue(5);
    form->addRow(tr("Clusters"), k_);
    eps_ = new QDoubleSpinBox(this);
    eps_->setDecimals(4);
    eps_->setRange(0.0001, 1000);
    eps_->setValue(0.05);
    eps_->setSuffix(tr(" nats/text"));
    eps_->setToolTip(tr("Models closer than this KL divergence are neighbours"));
    form->addRow(tr("Radius (KL)"), eps_);
    minSamples_ = new QSpinBox(this);
    minSamples_->setRange(1, 1000);
    minSamples_->setValue(5);
    form->addRow(tr("Min. models"), minSamples_);
    layout->addLayout(form);
    run_ = new QPushButton(tr("Cluster"), this);
    layout->addWidget(run_);
    summary_ = new QLabel(tr("Choose a method and press Cluster."), this);
    summary_->setWordWrap(true);
    layout->addWidget(summary_);
    auto* split = new QSplitter(Qt::Vertical, this);
    tree_ = new QTreeWidget(this);
    tree_->setHeaderLabels({tr("Cluster"), tr("Models")});
    tree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    split->addWidget(tree_);
    dendrogram_ = new DendrogramView(this);
    dendrogram_->hide();
    split->addWidget(dendrogram_);
    layout->addWidget(split, 1);

    connect(run_, &QPushButton::clicked, this, &ClustersPanel::compute);
    connect(method_, &QComboBox::currentIndexChanged, this, &ClustersPanel::updateControls);
    connect(tree_, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        QTreeWidgetItem* top = item->parent() ? item->parent() : item;
        QSet<int> members;
        for (int c = 0; c < top->childCount(); ++c)
            members.insert(top->child(c)->data(0, Qt::UserRole).toInt());
        if (item->parent()) members = {item->data(0, Qt::UserRole).toInt()};
        Q_EMIT clusterChosen(members);
    });
    updateControls();
    run_->setEnabled(false);
}

void ClustersPanel::updateControls() {
    const QString method = method_->currentData().toString();
    const bool density = method == QLatin1String("dbscan") || method == QLatin1String("hdbscan");
    k_->setEnabled(!density);
    eps_->setEnabled(method == QLatin1String("dbscan"));
    minSamples_->setEnabled(density);
}

void ClustersPanel::setData(const ProjectData* data) {
    data_ = data;
    result_.reset();
    tree_->clear();
    dendrogram_->clear();
    dendrogram_->hide();
    run_->setEnabled(data != nullptr);
    if (data) k_->setMaximum(std::max(1, static_cast<int>(data->ids.size())));
    summary_->setText(tr("Choose a method and press Cluster."));
}

void ClustersPanel::compute() {
    if (!data_) return;
    ClusterOptions options;
    options.method = method_->currentData().toString().toStdString();
    options.k = k_->value();
    options.epsKl = eps_->value();
    options.minSamples = minSamples_->value();
    options.minClusterSize = minSamples_->value();
    run_->setEnabled(false);
    summary_->setText(tr("Clustering %1 models…").arg(data_->ids.size()));
    Q_EMIT computeRequested(options);
}

void ClustersPanel::showFailure(const QString& message) {
    run_->setEnabled(data_ != nullptr);
    summary_->setText(message);
}

void ClustersPanel::showResult(std::shared_ptr<const ClusterResult> result) {
    run_->setEnabled(data_ != nullptr);
    result_ = std::move(result);
    const std::vector<int>& labels = result_->labels;
    int noise = static_cast<int>(std::count(labels.begin(), labels.end(), -1));
    QString text = tr("%1 clusters").arg(result_->clusters);
    if (noise > 0) text += tr(", %1 models in no cluster (noise)").arg(noise);
    text += result_->silhouette ? tr("; silhouette %1").arg(*result_->silhouette, 0, 'f', 3)
                                : tr("; no silhouette (it needs 2 to K−1 clusters)");
    summary_->setText(text);
    Q_EMIT clustersReady(labels);
}

void ClustersPanel::setClusterColours(const QVector<QColor>& colours) {
    if (!result_ || !data_) return;
    tree_->clear();
    const std::vector<int>& labels = result_->labels;
    for (int c = -1; c < result_->clusters; ++c) {
        QList<int> members;
        for (size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] == c) members << static_cast<int>(i);
        }
        if (members.isEmpty()) continue;
        auto* top = new QTreeWidgetItem(tree_, {c < 0 ? tr("noise") : tr("cluster %1").arg(c + 1),
                                                QString::number(members.size())});
        top->setData(0, Qt::DecorationRole,
                     c < 0 ? QColor(190, 190, 190) : colours.value(c, Qt::gray));
        for (int m : members) {
            auto* child = new QTreeWidgetItem(top, {data_->ids[m]});
            child->setData(0, Qt::UserRole, m);
        }
    }
    if (result_->linkage.size() > 0) {
        QVector<QColor> leafColours;
        for (int l : labels)
            leafColours << (l < 0 ? QColor(190, 190, 190) : colours.value(l, Qt::gray));
        dendrogram_->setTree(result_->linkage, data_->ids, result_->clusters, leafColours);
        dendrogram_->show();
    } else {
        dendrogram_->clear();
        dendrogram_->hide();
    }
}

}  // namespace llmap::ui
