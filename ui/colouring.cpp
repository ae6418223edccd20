#include "colouring.h"

#include <QHash>
#include <algorithm>
#include <cmath>

namespace llmap::ui {

const QVector<QColor>& categoryPalette() {
    // Okabe-Ito (colour-blind safe), then Tableau's 10 for further categories.
    static const QVector<QColor> colors = {
        QColor(0, 114, 178),  QColor(230, 159, 0),  QColor(0, 158, 115),   QColor(204, 121, 167),
        QColor(86, 180, 233), QColor(213, 94, 0),   QColor(240, 228, 66),  QColor(0, 0, 0),
        QColor(78, 121, 167), QColor(242, 142, 43), QColor(225, 87, 89),   QColor(118, 183, 178),
        QColor(89, 161, 79),  QColor(237, 201, 72), QColor(176, 122, 161), QColor(255, 157, 167),
        QColor(156, 117, 95), QColor(186, 176, 172)};
    return colors;
}

QColor missingColour() {
    return QColor(190, 190, 190);
}

QColor viridis(double t) {
    // Samples of matplotlib's viridis at t = 0, 0.125, ..., 1, linearly interpolated.
    static const double stops[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                                       {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                                       {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
    t = std::clamp(t, 0.0, 1.0) * 8.0;
    int i = std::min(static_cast<int>(t), 7);
    double f = t - i;
    auto mix = [&](int c) {
        return static_cast<int>(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])));
    };
    return QColor(mix(0), mix(1), mix(2));
}

Colouring colourBy(const QString& field, const QVector<QVariant>& values, bool numeric) {
    Colouring c;
    c.field = field;
    c.colours.fill(categoryPalette()[0], values.size());
    if (field.isEmpty()) return c;
    if (numeric) {
        c.continuous = true;
        bool first = true;
        bool allPositive = true;
        for (const QVariant& v : values) {
            if (!v.isValid()) continue;
            double x = v.toDouble();
            allPositive = allPositive && x > 0;
            c.minimum = first ? x : std::min(c.minimum, x);
            c.maximum = first ? x : std::max(c.maximum, x);
            first = false;
        }
        c.logarithmic = allPositive && c.minimum > 0 && c.maximum / c.minimum > 100.0;
        auto position = [&](double x) {
            if (c.maximum == c.minimum) return 0.5;
            if (c.logarithmic) return std::log(x / c.minimum) / std::log(c.maximum / c.minimum);
            return (x - c.minimum) / (c.maximum - c.minimum);
        };
        for (int i = 0; i < values.size(); ++i) {
            c.colours[i] =
                values[i].isValid() ? viridis(position(values[i].toDouble())) : missingColour();
        }
        return c;
    }
    QHash<QString, int> counts;
    QVector<QString> labels(values.size());
    for (int i = 0; i < values.size(); ++i) {
        labels[i] = values[i].isValid() ? values[i].toString() : QStringLiteral("(none)");
        ++counts[labels[i]];
    }
    QStringList order = counts.keys();
    std::sort(order.begin(), order.end(), [&](const QString& a, const QString& b) {
        return counts[a] != counts[b] ? counts[a] > counts[b] : a < b;
    });
    const int paletteSize = static_cast<int>(categoryPalette().size());
    const bool needsOther = order.size() > paletteSize;
    const int named = needsOther ? paletteSize - 1 : static_cast<int>(order.size());
    QHash<QString, int> indexOf;
    for (int k = 0; k < order.size(); ++k) indexOf[order[k]] = std::min(k, named);
    for (int k = 0; k < named; ++k) {
        c.categories << order[k];
        c.categoryColours << (order[k] == QLatin1String("(none)") ? missingColour()
                                                                  : categoryPalette()[k]);
    }
    if (needsOther) {
        c.categories << QStringLiteral("other (%1 values)").arg(order.size() - named);
        c.categoryColours << missingColour();
    }
    c.categoryOf.resize(values.size());
    for (int i = 0; i < values.size(); ++i) {
        c.categoryOf[i] = indexOf[labels[i]];
        c.colours[i] = c.categoryColours[c.categoryOf[i]];
    }
    return c;
}

QVector<double> sizesBy(const QVector<QVariant>& values, double base) {
    QVector<double> sizes(values.size(), base);
    double lo = 0, hi = 0;
    bool first = true;
    for (const QVariant& v : values) {
        if (!v.isValid()) continue;
        lo = first ? v.toDouble() : std::min(lo, v.toDouble());
        hi = first ? v.toDouble() : std::max(hi, v.toDouble());
        first = false;
    }
    if (first) return sizes;
    for (int i = 0; i < values.size(); ++i) {
        if (!values[i].isValid()) {
            sizes[i] = 5.0;
            continue;
        }
        double t = hi > lo ? (values[i].toDouble() - lo) / (hi - lo) : 0.5;
        sizes[i] = 5.0 + 11.0 * std::sqrt(t);
    }
    return sizes;
}

}  // namespace llmap::ui
