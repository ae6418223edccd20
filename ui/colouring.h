#pragma once
// Turns a field's values into point colours (categorical with a legend, or continuous with a colour
// bar) and point sizes.
#include <QColor>
#include <QStringList>
#include <QVariant>
#include <QVector>

namespace llmap::ui {

struct Colouring {
    QString field;            // "" = one colour for all
    QVector<QColor> colours;  // one per point
    bool continuous = false;
    // Categorical: legend entries, most frequent first; values beyond the palette share "other".
    QStringList categories;
    QVector<QColor> categoryColours;
    QVector<int> categoryOf;  // per point, index into categories
    // Continuous: the value range, and whether the colour scale is logarithmic.
    double minimum = 0, maximum = 0;
    bool logarithmic = false;
};

// Missing values are grey. Numbers spanning more than two decades (all positive) use a log scale.
Colouring colourBy(const QString& field, const QVector<QVariant>& values, bool numeric);

QColor viridis(double t);  // t in [0, 1]
const QVector<QColor>& categoryPalette();
QColor missingColour();

// Marker diameters in pixels: `base` for all when `values` is empty; else 5..16 by the square root
// of the value's position in its range (missing values get the smallest).
QVector<double> sizesBy(const QVector<QVariant>& values, double base = 9.0);

}  // namespace llmap::ui
