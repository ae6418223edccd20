#include "map_view.h"

#include <qwt_color_map.h>
#include <qwt_interval.h>
#include <qwt_legend.h>
#include <qwt_picker_machine.h>
#include <qwt_plot_canvas.h>
#include <qwt_plot_curve.h>
#include <qwt_plot_grid.h>
#include <qwt_plot_magnifier.h>
#include <qwt_plot_panner.h>
#include <qwt_plot_picker.h>
#include <qwt_plot_renderer.h>
#include <qwt_plot_zoomer.h>
#include <qwt_scale_engine.h>
#include <qwt_scale_map.h>
#include <qwt_scale_widget.h>
#include <qwt_text.h>
#include <QFileInfo>
#include <QMouseEvent>
#include <QPen>
#include <QTimer>

#include "scatter_item.h"

namespace llmap::ui {

namespace {

class HoverPicker : public QwtPlotPicker {
public:
    explicit HoverPicker(MapView* view)
        : QwtPlotPicker(QwtPlot::xBottom, QwtPlot::yLeft, QwtPicker::NoRubberBand,
                        QwtPicker::AlwaysOn, view->canvas()),
          view_(view) {}

protected:
    QwtText trackerText(const QPoint& pos) const override {
        int i = view_->pointAt(pos);
        if (i < 0) return QwtText();
        QwtText t(view_->ids()[i]);
        t.setBackgroundBrush(QColor(255, 255, 255, 235));
        t.setBorderPen(QPen(QColor(120, 120, 120)));
        t.setBorderRadius(3);
        return t;
    }

private:
    MapView* view_;
};

class ViridisMap : public QwtLinearColorMap {
public:
    ViridisMap() : QwtLinearColorMap(viridis(0), viridis(1)) {
        for (int i = 1; i < 8; ++i) addColorStop(i / 8.0, viridis(i / 8.0));
    }
};

}  // namespace

MapView::MapView(QWidget* parent) : QwtPlot(parent) {
    setCanvasBackground(Qt::white);
    auto* grid = new QwtPlotGrid;
    grid->setMajorPen(QColor(232, 232, 232), 0, Qt::SolidLine);
    grid->attach(this);
    scatter_ = new ScatterItem;
    scatter_->attach(this);
    insertLegend(new QwtLegend, QwtPlot::RightLegend);

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

    rectPicker_ = new QwtPlotPicker(QwtPlot::xBottom, QwtPlot::yLeft, QwtPicker::RectRubberBand,
                                    QwtPicker::AlwaysOff, canvas());
    rectPicker_->setStateMachine(new QwtPickerDragRectMachine);
    rectPicker_->setMousePattern(QwtEventPattern::MouseSelect1, Qt::LeftButton, Qt::ShiftModifier);
    rectPicker_->setRubberBandPen(QPen(QColor(220, 20, 60), 1, Qt::DashLine));
    connect(rectPicker_, qOverload<const QRectF&>(&QwtPlotPicker::selected), this,
            [this](const QRectF& r) {
                QRectF px(QPointF(canvasMap(xBottom).transform(r.left()),
                                  canvasMap(yLeft).transform(r.top())),
                          QPointF(canvasMap(xBottom).transform(r.right()),
                                  canvasMap(yLeft).transform(r.bottom())));
                selectInPolygon(QPolygonF(px.normalized()), false);
            });
    lassoPicker_ = new QwtPlotPicker(QwtPlot::xBottom, QwtPlot::yLeft, QwtPicker::PolygonRubberBand,
                                     QwtPicker::AlwaysOff, canvas());
    lassoPicker_->setStateMachine(new QwtPickerPolygonMachine);
    lassoPicker_->setMousePattern(QwtEventPattern::MouseSelect1, Qt::LeftButton,
                                  Qt::ControlModifier);
    lassoPicker_->setRubberBandPen(QPen(QColor(220, 20, 60), 1, Qt::DashLine));
    connect(lassoPicker_, qOverload<const QVector<QPointF>&>(&QwtPlotPicker::selected), this,
            [this](const QVector<QPointF>& pts) {
                QPolygonF px;
                for (const QPointF& p : pts) {
                    px << QPointF(canvasMap(xBottom).transform(p.x()),
                                  canvasMap(yLeft).transform(p.y()));
                }
                selectInPolygon(px, false);
            });

    connect(zoomer_, &QwtPlotZoomer::zoomed, this, [this](const QRectF& rect) {
        if (keepAspect_ && zoomer_->zoomRectIndex() > 0) setView(rect);
    });

    canvas()->installEventFilter(this);
    canvas()->setMouseTracking(true);
}

const QVector<QPointF>& MapView::points() const {
    return scatter_->points();
}
QColor MapView::colourOf(int index) const {
    return scatter_->colours().value(index);
}

void MapView::setPoints(const QVector<QPointF>& points, const QStringList& ids,
                        const QString& axisName) {
    ids_ = ids;
    scatter_->setPoints(points, ids);
    paths_.clear();
    drawPaths();
    selection_.clear();
    labelled_.clear();
    setAxisTitle(QwtPlot::xBottom, axisName + QStringLiteral(" 1"));
    setAxisTitle(QwtPlot::yLeft, axisName + QStringLiteral(" 2"));
    setColouring(colourBy(QString(), QVector<QVariant>(points.size()), false));
    resetZoom();
}

void MapView::movePoints(const QVector<QPointF>& points, const QString& axisName) {
    const QVector<QColor> colours = scatter_->colours();
    const QVector<double> sizes = scatter_->sizes();
    scatter_->setPoints(points, ids_);
    scatter_->setColours(colours);
    scatter_->setSizes(sizes);
    scatter_->setSelection(selection_);
    scatter_->setLabelled(labelled_);
    drawPaths();
    setAxisTitle(QwtPlot::xBottom, axisName + QStringLiteral(" 1"));
    setAxisTitle(QwtPlot::yLeft, axisName + QStringLiteral(" 2"));
    resetZoom();
}

void MapView::setPaths(const std::vector<std::vector<int>>& paths) {
    paths_ = paths;
    drawPaths();
    replot();
}

void MapView::drawPaths() {
    for (QwtPlotCurve* c : curves_) {
        c->detach();
        delete c;
    }
    curves_.clear();
    const QVector<QPointF>& points = scatter_->points();
    for (const std::vector<int>& path : paths_) {
        QVector<QPointF> line;
        for (int i : path)
            if (i >= 0 && i < points.size()) line << points[i];
        if (line.size() < 2) continue;
        auto* curve = new QwtPlotCurve(QStringLiteral("interpolation path"));
        curve->setItemAttribute(QwtPlotItem::Legend, false);
        curve->setRenderHint(QwtPlotItem::RenderAntialiased);
        curve->setPen(QPen(QColor(90, 90, 90, 170), 1.5, Qt::DashLine));
        curve->setZ(scatter_->z() - 1);
        curve->setSamples(line);
        curve->attach(this);
        curves_.push_back(curve);
    }
}

void MapView::setColouring(const Colouring& colouring) {
    colouring_ = colouring;
    scatter_->setColours(colouring.colours);
    scatter_->setLegendEntries(colouring.continuous ? QStringList() : colouring.categories,
                               colouring.categoryColours);
    scatter_->setTitle(colouring.field);
    updateColourBar();
    updateLayout();
    replot();
}

void MapView::updateColourBar() {
    QwtScaleWidget* bar = axisWidget(QwtPlot::yRight);
    if (!colouring_.continuous) {
        setAxisVisible(QwtPlot::yRight, false);
        return;
    }
    double lo = colouring_.minimum, hi = colouring_.maximum;
    if (hi == lo) hi = lo + 1;
    bar->setColorBarEnabled(true);
    bar->setColorBarWidth(14);
    bar->setColorMap(QwtInterval(lo, hi), new ViridisMap);
    if (colouring_.logarithmic) {
        setAxisScaleEngine(QwtPlot::yRight, new QwtLogScaleEngine);
    } else {
        setAxisScaleEngine(QwtPlot::yRight, new QwtLinearScaleEngine);
    }
    setAxisScale(QwtPlot::yRight, lo, hi);
    setAxisTitle(QwtPlot::yRight, colouring_.field);
    setAxisVisible(QwtPlot::yRight, true);
}

void MapView::setSizes(const QVector<double>& sizes) {
    scatter_->setSizes(sizes);
    replot();
}

QRectF MapView::dataBounds() const {
    QRectF b = scatter_->boundingRect();
    if (!b.isValid() && b.width() < 0) return QRectF(-1, -1, 2, 2);
    double mx = std::max(b.width() * 0.08, 1e-9), my = std::max(b.height() * 0.08, 1e-9);
    return b.adjusted(-mx, -my, mx, my);
}

QRectF MapView::currentView() const {
    const QwtScaleDiv& xs = axisScaleDiv(QwtPlot::xBottom);
    const QwtScaleDiv& ys = axisScaleDiv(QwtPlot::yLeft);
    return QRectF(QPointF(xs.lowerBound(), ys.lowerBound()),
                  QPointF(xs.upperBound(), ys.upperBound()));
}

void MapView::setView(const QRectF& rect) {
    QRectF r = rect.normalized();
    const QSize px = canvas()->contentsRect().size();
    if (keepAspect_ && px.width() > 0 && px.height() > 0 && r.width() > 0 && r.height() > 0) {
        const double unitsPerPixel = std::max(r.width() / px.width(), r.height() / px.height());
        const QPointF c = r.center();
        const double w = unitsPerPixel * px.width() / 2, h = unitsPerPixel * px.height() / 2;
        r = QRectF(QPointF(c.x() - w, c.y() - h), QPointF(c.x() + w, c.y() + h));
    }
    setAxisScale(QwtPlot::xBottom, r.left(), r.right());
    setAxisScale(QwtPlot::yLeft, r.top(), r.bottom());
    replot();
}

void MapView::resetZoom() {
    setView(dataBounds());
    zoomer_->setZoomBase(true);
}

void MapView::setKeepAspect(bool keep) {
    keepAspect_ = keep;
    resetZoom();
}

QPoint MapView::canvasPosition(int index) const {
    const QPointF& p = points()[index];
    return QPoint(qRound(canvasMap(QwtPlot::xBottom).transform(p.x())),
                  qRound(canvasMap(QwtPlot::yLeft).transform(p.y())));
}

int MapView::pointAt(const QPoint& canvasPos, double radius) const {
    int best = -1;
    double bestDist = radius * radius;
    const QwtScaleMap xMap = canvasMap(QwtPlot::xBottom), yMap = canvasMap(QwtPlot::yLeft);
    const QVector<QPointF>& pts = points();
    for (int i = 0; i < pts.size(); ++i) {
        double dx = xMap.transform(pts[i].x()) - canvasPos.x();
        double dy = yMap.transform(pts[i].y()) - canvasPos.y();
        double d = dx * dx + dy * dy;
        if (d <= bestDist) {
            bestDist = d;
            best = i;
        }
    }
    return best;
}

void MapView::setSelection(const QSet<int>& selection) {
    selection_ = selection;
    scatter_->setSelection(selection_);
    replot();
    Q_EMIT selectionChanged();
}

void MapView::setLabelled(const QSet<int>& labelled) {
    labelled_ = labelled;
    scatter_->setLabelled(labelled_);
    replot();
}

void MapView::centreOn(int index) {
    if (index < 0 || index >= points().size()) return;
    QRectF view = currentView();
    view.moveCenter(points()[index]);
    setView(view);
    setSelection({index});
}

void MapView::selectInPolygon(const QPolygonF& canvasPolygon, bool add) {
    QSet<int> chosen = add ? selection_ : QSet<int>();
    for (int i = 0; i < points().size(); ++i) {
        if (canvasPolygon.containsPoint(canvasPosition(i), Qt::OddEvenFill)) chosen.insert(i);
    }
    setSelection(chosen);
}

bool MapView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == canvas()) {
        if (event->type() == QEvent::Resize && keepAspect_ && !points().isEmpty()) {
            // Keep the centre and the scale of the longer side when the window changes size.
            QTimer::singleShot(0, this, [this] { setView(currentView()); });
        } else if (event->type() == QEvent::MouseButtonPress) {
            pressPos_ = static_cast<QMouseEvent*>(event)->pos();
        } else if (event->type() == QEvent::MouseButtonRelease) {
            auto* me = static_cast<QMouseEvent*>(event);
            // A click (no drag) selects; a drag belongs to the zoomer or the selection pickers.
            if (me->button() == Qt::LeftButton && (me->pos() - pressPos_).manhattanLength() <= 3 &&
                !(me->modifiers() & Qt::ControlModifier)) {
                int i = pointAt(me->pos());
                QSet<int> s = (me->modifiers() & Qt::ShiftModifier) ? selection_ : QSet<int>();
                if (i >= 0) s.insert(i);
                setSelection(s);
            }
        }
    }
    return QwtPlot::eventFilter(watched, event);
}

bool MapView::exportFigure(const QString& path, QSizeF sizeMm, int dpi) {
    const QString format = QFileInfo(path).suffix().toLower();
    if (format != QLatin1String("png") && format != QLatin1String("svg") &&
        format != QLatin1String("pdf")) {
        return false;
    }
    QFile probe(path);
    if (!probe.open(QIODevice::WriteOnly)) return false;
    probe.close();
    QwtPlotRenderer renderer;
    renderer.setDiscardFlag(QwtPlotRenderer::DiscardBackground, false);
    renderer.setDiscardFlag(QwtPlotRenderer::DiscardCanvasFrame, true);
    renderer.renderDocument(this, path, format, sizeMm, dpi);
    return QFileInfo(path).size() > 0;
}

}  // namespace llmap::ui
