#include "map_view.h"

#include <qwt_legend.h>
#include <qwt_plot_canvas.h>
#include <qwt_plot_curve.h>
#include <qwt_plot_grid.h>
#include <qwt_plot_magnifier.h>
#include <qwt_plot_panner.h>
#include <qwt_plot_picker.h>
#include <qwt_plot_renderer.h>
#include <qwt_plot_zoomer.h>
#include <qwt_scale_map.h>
#include <qwt_symbol.h>
#include <qwt_text.h>
#include <QFileInfo>
#include <QMouseEvent>

#include <cmath>

namespace llmap::ui {

namespace {

// Colour-blind-safe qualitative palette (Okabe-Ito, then Tableau 10 for more groups).
const QVector<QColor>& groupPalette() {
    static const QVector<QColor> colors = {
        QColor(0, 114, 178),  QColor(230, 159, 0),  QColor(0, 158, 115),   QColor(204, 121, 167),
        QColor(86, 180, 233), QColor(213, 94, 0),   QColor(240, 228, 66),  QColor(0, 0, 0),
        QColor(78, 121, 167), QColor(242, 142, 43), QColor(225, 87, 89),   QColor(118, 183, 178),
        QColor(89, 161, 79),  QColor(237, 201, 72), QColor(176, 122, 161), QColor(255, 157, 167),
        QColor(156, 117, 95), QColor(186, 176, 172)};
    return colors;
}

// Tooltip text: the id of the model under the mouse.
class HoverPicker : public QwtPlotPicker {
public:
    HoverPicker(MapView* view)
        : QwtPlotPicker(QwtPlot::xBottom, QwtPlot::yLeft, QwtPicker::NoRubberBand,
                        QwtPicker::AlwaysOn, view->canvas()),
          view_(view) {}

protected:
    QwtText trackerText(const QPoint& pos) const override {
        int i = view_->pointAt(pos);
        if (i < 0) return QwtText();
        const MapPoint& p = view_->points()[i];
        QString text = p.group.isEmpty() ? p.id : p.id + QStringLiteral("\n") + p.group;
        QwtText t(text);
        t.setBackgroundBrush(QColor(255, 255, 255, 230));
        t.setBorderPen(QPen(QColor(120, 120, 120)));
        t.setBorderRadius(3);
        return t;
    }

private:
    MapView* view_;
};

}  // namespace

MapView::MapView(QWidget* parent) : QwtPlot(parent) {
    setCanvasBackground(Qt::white);
    auto* grid = new QwtPlotGrid;
    grid->setMajorPen(QColor(230, 230, 230), 0, Qt::SolidLine);
    grid->attach(this);
    setAxisTitle(QwtPlot::xBottom, QStringLiteral("PC 1"));
    setAxisTitle(QwtPlot::yLeft, QStringLiteral("PC 2"));

    selectionCurve_ = new QwtPlotCurve(QStringLiteral("selected"));
    selectionCurve_->setStyle(QwtPlotCurve::NoCurve);
    selectionCurve_->setSymbol(
        new QwtSymbol(QwtSymbol::Ellipse, Qt::NoBrush, QPen(Qt::red, 2.5), QSize(16, 16)));
    selectionCurve_->setItemAttribute(QwtPlotItem::Legend, false);
    selectionCurve_->setZ(100);
    selectionCurve_->attach(this);

    zoomer_ = new QwtPlotZoomer(canvas());
    zoomer_->setRubberBandPen(QPen(QColor(60, 60, 60), 1, Qt::DashLine));
    zoomer_->setTrackerMode(QwtPicker::AlwaysOff);
    zoomer_->setMousePattern(QwtEventPattern::MouseSelect2, Qt::RightButton, Qt::ControlModifier);
    zoomer_->setMousePattern(QwtEventPattern::MouseSelect3, Qt::RightButton);
    panner_ = new QwtPlotPanner(canvas());
    panner_->setMouseButton(Qt::MiddleButton);
    magnifier_ = new QwtPlotMagnifier(canvas());
    magnifier_->setMouseButton(Qt::NoButton);
    magnifier_->setWheelFactor(1.1);
    tracker_ = new HoverPicker(this);

    canvas()->installEventFilter(this);
    canvas()->setMouseTracking(true);
}

QColor MapView::groupColor(const QString& group) const {
    int i = static_cast<int>(groups_.indexOf(group));
    if (i < 0) return Qt::gray;
    return groupPalette()[i % groupPalette().size()];
}

void MapView::setPoints(const QVector<MapPoint>& points, const QString& groupTitle) {
    for (QwtPlotCurve* c : curves_) {
        c->detach();
        delete c;
    }
    curves_.clear();
    points_ = points;
    selected_ = -1;
    selectionCurve_->setSamples(QVector<QPointF>());

    groups_.clear();
    for (const MapPoint& p : points_) {
        if (!groups_.contains(p.group)) groups_.append(p.group);
    }
    for (const QString& group : groups_) {
        QVector<QPointF> samples;
        for (const MapPoint& p : points_) {
            if (p.group == group) samples.append(p.position);
        }
        QString title = group.isEmpty() ? QStringLiteral("models") : group;
        auto* curve = new QwtPlotCurve(title);
        curve->setStyle(QwtPlotCurve::NoCurve);
        curve->setSymbol(new QwtSymbol(QwtSymbol::Ellipse, QBrush(groupColor(group)),
                                       QPen(QColor(40, 40, 40), 0.8), QSize(9, 9)));
        curve->setSamples(samples);
        curve->setRenderHint(QwtPlotItem::RenderAntialiased, true);
        curve->setLegendAttribute(QwtPlotCurve::LegendShowSymbol, true);
        curve->attach(this);
        curves_.append(curve);
    }
    const bool showLegend = groups_.size() > 1 || !groupTitle.isEmpty();
    if (showLegend && !legend()) insertLegend(new QwtLegend, QwtPlot::RightLegend);
    if (!showLegend && legend()) insertLegend(nullptr);
    resetZoom();
}

QRectF MapView::dataBounds() const {
    if (points_.isEmpty()) return QRectF(-1, -1, 2, 2);
    double x0 = points_[0].position.x(), x1 = x0, y0 = points_[0].position.y(), y1 = y0;
    for (const MapPoint& p : points_) {
        x0 = std::min(x0, p.position.x());
        x1 = std::max(x1, p.position.x());
        y0 = std::min(y0, p.position.y());
        y1 = std::max(y1, p.position.y());
    }
    double mx = std::max((x1 - x0) * 0.08, 1e-9), my = std::max((y1 - y0) * 0.08, 1e-9);
    return QRectF(QPointF(x0 - mx, y0 - my), QPointF(x1 + mx, y1 + my));
}

void MapView::resetZoom() {
    QRectF b = dataBounds();
    setAxisScale(QwtPlot::xBottom, b.left(), b.right());
    setAxisScale(QwtPlot::yLeft, b.top(), b.bottom());
    replot();
    zoomer_->setZoomBase(true);
}

QPoint MapView::canvasPosition(int index) const {
    const QPointF& p = points_[index].position;
    return QPoint(qRound(canvasMap(QwtPlot::xBottom).transform(p.x())),
                  qRound(canvasMap(QwtPlot::yLeft).transform(p.y())));
}

int MapView::pointAt(const QPoint& canvasPos, double radius) const {
    int best = -1;
    double bestDist = radius * radius;
    for (int i = 0; i < points_.size(); ++i) {
        QPoint c = canvasPosition(i);
        double dx = c.x() - canvasPos.x(), dy = c.y() - canvasPos.y();
        double d = dx * dx + dy * dy;
        if (d <= bestDist) {
            bestDist = d;
            best = i;
        }
    }
    return best;
}

void MapView::select(int index) {
    selected_ = (index >= 0 && index < points_.size()) ? index : -1;
    QVector<QPointF> s;
    if (selected_ >= 0) s.append(points_[selected_].position);
    selectionCurve_->setSamples(s);
    replot();
}

bool MapView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == canvas()) {
        if (event->type() == QEvent::MouseButtonPress) {
            pressPos_ = static_cast<QMouseEvent*>(event)->pos();
        } else if (event->type() == QEvent::MouseButtonRelease) {
            auto* me = static_cast<QMouseEvent*>(event);
            // A click (no drag) selects; a drag is the zoomer's.
            if (me->button() == Qt::LeftButton && (me->pos() - pressPos_).manhattanLength() <= 3) {
                int i = pointAt(me->pos());
                select(i);
                Q_EMIT pointClicked(i);
            }
        }
    }
    return QwtPlot::eventFilter(watched, event);
}

bool MapView::exportFigure(const QString& path, QSizeF sizeMm, int dpi) {
    QString format = path.section(QLatin1Char('.'), -1).toLower();
    if (format != QLatin1String("png") && format != QLatin1String("svg") &&
        format != QLatin1String("pdf")) {
        return false;
    }
    QwtPlotRenderer renderer;
    renderer.setDiscardFlag(QwtPlotRenderer::DiscardBackground, false);
    renderer.renderDocument(this, path, format, sizeMm, dpi);
    return QFileInfo(path).size() > 0;
}

}  // namespace llmap::ui
