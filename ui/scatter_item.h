#pragma once
// All points of the map in one plot item: per-point colour and size, selection rings, labels with
// leader lines, and one legend entry per category. One draw call for any number of points.
#include <qwt_plot_item.h>
#include <QColor>
#include <QHash>
#include <QPixmap>
#include <QPointF>
#include <QSet>
#include <QStringList>
#include <QVector>

namespace llmap::ui {

class ScatterItem : public QwtPlotItem {
public:
    ScatterItem();

    void setPoints(const QVector<QPointF>& points, const QStringList& labels);
    void setColours(const QVector<QColor>& colours);
    void setSizes(const QVector<double>& sizes);
    void setSelection(const QSet<int>& selected);
    void setLabelled(const QSet<int>& labelled);
    // Categorical legend: one entry per category (empty: no legend entries).
    void setLegendEntries(const QStringList& titles, const QVector<QColor>& colours);

    const QVector<QPointF>& points() const { return points_; }
    const QVector<QColor>& colours() const { return colours_; }
    const QVector<double>& sizes() const { return sizes_; }

    int rtti() const override { return QwtPlotItem::Rtti_PlotUserItem + 1; }
    void draw(QPainter* painter, const QwtScaleMap& xMap, const QwtScaleMap& yMap,
              const QRectF& canvasRect) const override;
    QRectF boundingRect() const override;
    QList<QwtLegendData> legendData() const override;
    QwtGraphic legendIcon(int index, const QSizeF& size) const override;

private:
    const QPixmap& sprite(const QColor& colour, double radius, double outlineWidth,
                          double pixelRatio) const;

    QVector<QPointF> points_;
    QStringList labels_;
    QVector<QColor> colours_;
    QVector<double> sizes_;
    QSet<int> selected_;
    QSet<int> labelled_;
    QStringList legendTitles_;
    QVector<QColor> legendColours_;
    mutable QHash<quint64, QPixmap> sprites_;  // one pre-drawn marker per colour and size
};

}  // namespace llmap::ui
