#include "scatter_item.h"

#include <qwt_graphic.h>
#include <qwt_legend_data.h>
#include <qwt_scale_map.h>
#include <qwt_text.h>
#include <QHash>
#include <QPaintEngine>
#include <QPainter>
#include <QPixmap>

#include <algorithm>
#include <cstdio>

namespace llmap::ui {

ScatterItem::ScatterItem() : QwtPlotItem(QwtText(QStringLiteral("models"))) {
    setRenderHint(QwtPlotItem::RenderAntialiased, true);
    setItemAttribute(QwtPlotItem::AutoScale, true);
    setItemAttribute(QwtPlotItem::Legend, true);
    setLegendIconSize(QSize(10, 10));
    setZ(20);
}

void ScatterItem::setPoints(const QVector<QPointF>& points, const QStringList& labels) {
    points_ = points;
    labels_ = labels;
    colours_.fill(QColor(0, 114, 178), points.size());
    sizes_.fill(9.0, points.size());
    selected_.clear();
    labelled_.clear();
    itemChanged();
}

void ScatterItem::setColours(const QVector<QColor>& colours) {
    colours_ = colours;
    itemChanged();
}

void ScatterItem::setSizes(const QVector<double>& sizes) {
    sizes_ = sizes;
    itemChanged();
}

void ScatterItem::setSelection(const QSet<int>& selected) {
    selected_ = selected;
    itemChanged();
}

void ScatterItem::setLabelled(const QSet<int>& labelled) {
    labelled_ = labelled;
    itemChanged();
}

void ScatterItem::setLegendEntries(const QStringList& titles, const QVector<QColor>& colours) {
    legendTitles_ = titles;
    legendColours_ = colours;
    legendChanged();
}

QRectF ScatterItem::boundingRect() const {
    if (points_.isEmpty()) return QRectF(1.0, 1.0, -2.0, -2.0);  // invalid: no autoscale
    auto [xMin, xMax] =
        std::minmax_element(points_.begin(), points_.end(),
                            [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
    auto [yMin, yMax] =
        std::minmax_element(points_.begin(), points_.end(),
                            [](const QPointF& a, const QPointF& b) { return a.y() < b.y(); });
    return QRectF(QPointF(xMin->x(), yMin->y()), QPointF(xMax->x(), yMax->y()));
}

void ScatterItem::draw(QPainter* painter, const QwtScaleMap& xMap, const QwtScaleMap& yMap,
                       const QRectF& canvasRect) const {
    // Pixels scale with the paint device so that exports at high DPI keep the on-screen look.
    const double scale = std::max(1.0, painter->device()->logicalDpiX() / 96.0);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, testRenderHint(RenderAntialiased));
    const QPen outline(QColor(40, 40, 40), 0.8 * scale);
    const QRectF visible = canvasRect.adjusted(-20, -20, 20, 20);
    auto at = [&](int i) {
        return QPointF(xMap.transform(points_[i].x()), yMap.transform(points_[i].y()));
    };
    // On screen and in raster images every marker is a copy of a pre-drawn sprite (an antialiased
    // ellipse per marker is too slow for 10,000 models at 60 frames per second); vector exports
    // (PDF, SVG) get real ellipses.
    const bool raster =
        painter->paintEngine() && painter->paintEngine()->type() == QPaintEngine::Raster;
    const double pixelRatio = painter->device()->devicePixelRatioF();
    for (int i = 0; i < points_.size(); ++i) {
        const QPointF p = at(i);
        if (!visible.contains(p)) continue;
        const double r = sizes_.value(i, 9.0) * scale / 2.0;
        if (raster) {
            const QPixmap& marker = sprite(colours_.value(i), r, outline.widthF(), pixelRatio);
            const double half = marker.width() / marker.devicePixelRatio() / 2.0;
            painter->drawPixmap(QPointF(p.x() - half, p.y() - half), marker);
            continue;
        }
        painter->setPen(outline);
        painter->setBrush(colours_.value(i));
        painter->drawEllipse(p, r, r);
    }
    painter->setBrush(Qt::NoBrush);
    painter->setPen(QPen(QColor(220, 20, 60), 2.5 * scale));
    for (int i : selected_) {
        if (i < 0 || i >= points_.size()) continue;
        const double r = sizes_.value(i, 9.0) * scale / 2.0 + 4.0 * scale;
        painter->drawEllipse(at(i), r, r);
    }
    // Labels: offset up-right (alternating sides to limit overlaps), joined by a leader line.
    QFont font = painter->font();
    font.setPointSizeF(8.5);
    painter->setFont(font);
    const QFontMetricsF metrics(font, painter->device());
    QList<int> labelled(labelled_.begin(), labelled_.end());
    std::sort(labelled.begin(), labelled.end());
    int side = 0;
    for (int i : labelled) {
        if (i < 0 || i >= points_.size()) continue;
        const QPointF p = at(i);
        const QString text = labels_.value(i);
        const QSizeF box = metrics.size(0, text) + QSizeF(6, 2);
        const double dx = (side % 2 == 0 ? 28.0 : -28.0 - box.width()) * 1.0;
        const double dy = (side / 2 % 2 == 0 ? -26.0 : 18.0);
        ++side;
        QRectF rect(p + QPointF(dx, dy), box);
        painter->setPen(QPen(QColor(90, 90, 90), 1.0 * scale));
        const QPointF anchor(dx > 0 ? rect.left() : rect.right(), rect.center().y());
        painter->drawLine(p, anchor);
        painter->setBrush(QColor(255, 255, 255, 225));
        painter->drawRect(rect);
        painter->setPen(Qt::black);
        painter->drawText(rect, Qt::AlignCenter, text);
        painter->setBrush(Qt::NoBrush);
    }
    painter->restore();
}

const QPixmap& ScatterItem::sprite(const QColor& colour, double radius, double outlineWidth,
                                   double pixelRatio) const {
    const quint64 key = (quint64(colour.rgba()) << 32) | (quint64(qRound(radius * 8)) << 16) |
                        (quint64(qRound(outlineWidth * 8) & 0xff) << 8) |
                        quint64(qRound(pixelRatio * 8) & 0xff);
    auto it = sprites_.find(key);
    if (it != sprites_.end()) return it.value();
    const int side = static_cast<int>(std::ceil(2 * radius + outlineWidth + 2));
    QPixmap pixmap(static_cast<int>(std::ceil(side * pixelRatio)),
                   static_cast<int>(std::ceil(side * pixelRatio)));
    pixmap.setDevicePixelRatio(pixelRatio);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(QPen(QColor(40, 40, 40), outlineWidth));
    p.setBrush(colour);
    p.drawEllipse(QPointF(side / 2.0, side / 2.0), radius, radius);
    return sprites_.insert(key, pixmap).value();
}

QList<QwtLegendData> ScatterItem::legendData() const {
    QList<QwtLegendData> list;
    for (int i = 0; i < legendTitles_.size(); ++i) {
        QwtLegendData data;
        data.setValue(QwtLegendData::TitleRole, QVariant::fromValue(QwtText(legendTitles_[i])));
        data.setValue(QwtLegendData::IconRole,
                      QVariant::fromValue(legendIcon(i, legendIconSize())));
        list += data;
    }
    return list;
}

QwtGraphic ScatterItem::legendIcon(int index, const QSizeF& size) const {
    QwtGraphic icon;
    icon.setDefaultSize(size);
    QPainter painter(&icon);
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setPen(QPen(QColor(40, 40, 40), 0.8));
    painter.setBrush(legendColours_.value(index));
    painter.drawEllipse(QRectF(QPointF(0.5, 0.5), size - QSizeF(1, 1)));
    return icon;
}

}  // namespace llmap::ui
