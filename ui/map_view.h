#pragma once
// The model map: a Qwt scatter plot with zoom (left drag), pan (middle drag), wheel zoom, reset
// (Ctrl+right click or resetZoom()), hover tooltips with the model id, and click selection.
#include <qwt_plot.h>
#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>

class QwtPlotCurve;
class QwtPlotZoomer;
class QwtPlotPanner;
class QwtPlotMagnifier;
class QwtPlotPicker;

namespace llmap::ui {

struct MapPoint {
    QString id;
    QPointF position;
    QString group;  // points of one group share a colour and a legend entry
};

class MapView : public QwtPlot {
    Q_OBJECT
public:
    explicit MapView(QWidget* parent = nullptr);

    void setPoints(const QVector<MapPoint>& points, const QString& groupTitle);
    const QVector<MapPoint>& points() const { return points_; }
    // Index of the point nearest to a canvas pixel position within `radius` pixels, or -1.
    int pointAt(const QPoint& canvasPos, double radius = 8.0) const;
    QPoint canvasPosition(int index) const;
    void select(int index);
    int selected() const { return selected_; }
    QColor groupColor(const QString& group) const;
    QStringList groups() const { return groups_; }

    // Writes the plot as PNG, SVG or PDF (by the file's suffix), `sizeMm` at `dpi`.
    bool exportFigure(const QString& path, QSizeF sizeMm = QSizeF(160, 120), int dpi = 150);

public Q_SLOTS:
    void resetZoom();

Q_SIGNALS:
    void pointClicked(int index);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QRectF dataBounds() const;

    QVector<MapPoint> points_;
    QStringList groups_;
    QVector<QwtPlotCurve*> curves_;
    QwtPlotCurve* selectionCurve_ = nullptr;
    QwtPlotZoomer* zoomer_ = nullptr;
    QwtPlotPanner* panner_ = nullptr;
    QwtPlotMagnifier* magnifier_ = nullptr;
    QwtPlotPicker* tracker_ = nullptr;
    int selected_ = -1;
    QPoint pressPos_;
};

}  // namespace llmap::ui
