#pragma once
// The model map: a Qwt plot of one ScatterItem. Left drag zooms into a rectangle, right click steps
// back, Ctrl+right click (or resetZoom) shows everything, middle drag pans, the wheel zooms.
// Click selects a model, Shift+drag selects a rectangle, Ctrl+drag draws a lasso; hovering shows
// the model's id. Nothing is subsampled: every point is drawn.
#include <qwt_plot.h>
#include <QPointF>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>
#include <vector>

#include "colouring.h"

class QwtPlotCurve;
class QwtPlotZoomer;
class QwtPlotPanner;
class QwtPlotMagnifier;
class QwtPlotPicker;

namespace llmap::ui {

class ScatterItem;

class MapView : public QwtPlot {
    Q_OBJECT
public:
    explicit MapView(QWidget* parent = nullptr);

    void setPoints(const QVector<QPointF>& points, const QStringList& ids, const QString& axisName);
    // New positions for the same points (another layout): colours, selection and labels are kept.
    void movePoints(const QVector<QPointF>& points, const QString& axisName);
    // Lines through points, each an ordered list of point indices (interpolation paths from one
    // model to another); drawn under the points, kept when the points move, cleared by setPoints.
    void setPaths(const std::vector<std::vector<int>>& paths);
    int pathCount() const { return static_cast<int>(curves_.size()); }
    void setColouring(const Colouring& colouring);
    void setSizes(const QVector<double>& sizes);
    const QVector<QPointF>& points() const;
    const QStringList& ids() const { return ids_; }
    const Colouring& colouring() const { return colouring_; }
    QColor colourOf(int index) const;

    // Index of the point nearest to a canvas pixel position within `radius` pixels, or -1.
    int pointAt(const QPoint& canvasPos, double radius = 8.0) const;
    QPoint canvasPosition(int index) const;

    const QSet<int>& selection() const { return selection_; }
    void setSelection(const QSet<int>& selection);
    int selected() const { return selection_.size() == 1 ? *selection_.begin() : -1; }
    void setLabelled(const QSet<int>& labelled);
    const QSet<int>& labelled() const { return labelled_; }
    // Selects the point and moves the view so it is in the centre (zoom level kept).
    void centreOn(int index);
    void setKeepAspect(bool keep);
    bool keepAspect() const { return keepAspect_; }

    // Writes the plot (with legend, colour bar and labels) as PNG, SVG or PDF by the file's
    // suffix, `sizeMm` at `dpi`. Returns false for another suffix or a file that cannot be written.
    bool exportFigure(const QString& path, QSizeF sizeMm = QSizeF(160, 120), int dpi = 150);

public Q_SLOTS:
    void resetZoom();

Q_SIGNALS:
    void selectionChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void selectInPolygon(const QPolygonF& canvasPolygon, bool add);
    QRectF dataBounds() const;
    // Shows `rect` (data coordinates); with keep-aspect on, widens one side so that a unit on x
    // and on y take the same number of pixels.
    void setView(const QRectF& rect);
    QRectF currentView() const;
    void updateColourBar();

    void drawPaths();

    ScatterItem* scatter_ = nullptr;
    std::vector<std::vector<int>> paths_;
    std::vector<QwtPlotCurve*> curves_;
    QStringList ids_;
    Colouring colouring_;
    QSet<int> selection_;
    QSet<int> labelled_;
    QwtPlotZoomer* zoomer_ = nullptr;
    QwtPlotPanner* panner_ = nullptr;
    QwtPlotMagnifier* magnifier_ = nullptr;
    QwtPlotPicker* tracker_ = nullptr;
    QwtPlotPicker* rectPicker_ = nullptr;
    QwtPlotPicker* lassoPicker_ = nullptr;
    bool keepAspect_ = true;
    QPoint pressPos_;
};

}  // namespace llmap::ui
