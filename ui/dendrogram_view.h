#pragma once
// The dendrogram of a hierarchical clustering (a scipy linkage matrix), with the cut that gives
// the chosen number of clusters and the leaves coloured by cluster.
#include <qwt_plot.h>
#include <Eigen/Core>
#include <QColor>
#include <QStringList>
#include <QVector>

namespace llmap::ui {

class DendrogramView : public QwtPlot {
    Q_OBJECT
public:
    explicit DendrogramView(QWidget* parent = nullptr);
    // `labels` name the leaves (rows of the clustered matrix); `leafColours` one colour per leaf.
    void setTree(const Eigen::MatrixXd& linkage, const QStringList& labels, int clusters,
                 const QVector<QColor>& leafColours);
    void clear();
    // Leaves from left to right (rows of the clustered matrix).
    const QVector<int>& leafOrder() const { return order_; }

private:
    QVector<int> order_;
};

// The left-to-right order of the leaves of a linkage matrix (as scipy's dendrogram draws them).
QVector<int> dendrogramLeafOrder(const Eigen::MatrixXd& linkage);

}  // namespace llmap::ui
