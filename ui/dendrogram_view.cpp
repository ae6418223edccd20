#include "dendrogram_view.h"

#include <qwt_plot_curve.h>
#include <qwt_plot_marker.h>
#include <qwt_symbol.h>
#include <QPen>

#include "category_scale_draw.h"

namespace llmap::ui {

QVector<int> dendrogramLeafOrder(const Eigen::MatrixXd& linkage) {
    const int leaves = static_cast<int>(linkage.rows()) + 1;
    QVector<int> order;
    if (linkage.rows() == 0) return leaves == 1 ? QVector<int>{0} : order;
    // Depth-first from the root, left child first, without recursion (trees can be deep).
    QVector<int> stack{2 * leaves - 2};
    while (!stack.isEmpty()) {
        int node = stack.takeLast();
        if (node < leaves) {
            order << node;
            continue;
        }
        const auto row = static_cast<Eigen::Index>(node - leaves);
        stack << static_cast<int>(linkage(row, 1)) << static_cast<int>(linkage(row, 0));
    }
    return order;
}

DendrogramView::DendrogramView(QWidget* parent) : QwtPlot(parent) {
    setCanvasBackground(Qt::white);
    setAxisTitle(QwtPlot::yLeft, tr("merge distance"));
    setMinimumHeight(200);
}

void DendrogramView::clear() {
    detachItems(QwtPlotItem::Rtti_PlotItem, true);
    order_.clear();
    replot();
}

void DendrogramView::setTree(const Eigen::MatrixXd& linkage, const QStringList& labels,
                             int clusters, const QVector<QColor>& leafColours) {
    detachItems(QwtPlotItem::Rtti_PlotItem, true);
    order_ = dendrogramLeafOrder(linkage);
    const int leaves = static_cast<int>(linkage.rows()) + 1;
    QVector<double> x(2 * leaves - 1), y(2 * leaves - 1, 0.0);
    for (int i = 0; i < order_.size(); ++i) x[order_[i]] = i;
    QPen pen(QColor(90, 90, 90), 1.0);
    for (Eigen::Index m = 0; m < linkage.rows(); ++m) {
        const int a = static_cast<int>(linkage(m, 0)), b = static_cast<int>(linkage(m, 1));
        const int node = leaves + static_cast<int>(m);
        x[node] = (x[a] + x[b]) / 2;
        y[node] = linkage(m, 2);
        auto* link = new QwtPlotCurve;
        link->setSamples(
            QVector<QPointF>{{x[a], y[a]}, {x[a], y[node]}, {x[b], y[node]}, {x[b], y[b]}});
        link->setPen(pen);
        link->setItemAttribute(QwtPlotItem::Legend, false);
        link->attach(this);
    }
    for (int i = 0; i < order_.size(); ++i) {
        auto* leaf = new QwtPlotMarker;
        leaf->setValue(i, 0);
        leaf->setSymbol(new QwtSymbol(QwtSymbol::Ellipse, leafColours.value(order_[i], Qt::gray),
                                      QPen(Qt::NoPen), QSize(7, 7)));
        leaf->attach(this);
    }
    // The cut: halfway between the merges that give `clusters` and `clusters - 1` clusters.
    if (clusters >= 2 && clusters <= leaves) {
        const auto last = static_cast<Eigen::Index>(leaves - clusters);
        const double below = last > 0 ? linkage(last - 1, 2) : 0.0;
        const double above = linkage(std::min<Eigen::Index>(last, linkage.rows() - 1), 2);
        auto* cut = new QwtPlotMarker;
        cut->setLineStyle(QwtPlotMarker::HLine);
        cut->setYValue((below + above) / 2);
        cut->setLinePen(QColor(220, 20, 60), 1.2, Qt::DashLine);
        cut->attach(this);
    }
    QStringList names;
    for (int leaf : order_) names << labels.value(leaf);
    const bool showNames = leaves <= 60;
    setAxisScaleDraw(QwtPlot::xBottom,
                     new CategoryScaleDraw(showNames ? names : QStringList(), -60));
    setAxisScale(QwtPlot::xBottom, -1, leaves, showNames ? 1.0 : 0.0);
    setAxisMaxMinor(QwtPlot::xBottom, 0);
    setAxisAutoScale(QwtPlot::yLeft, true);
    replot();
}

}  // namespace llmap::ui
