#pragma once
// What the Model panel lists for one model, in the order a reader looks for it: what the model is
// (family, size, precision, context), how well it predicts the texts, what it read and how it is
// stored, then the other fields, and the internals (hashes, token ids) last. Values read as people
// say them ("135 M" parameters, "8,192 tokens"); the exact value is the tooltip.
#include <QList>
#include <QString>

namespace llmap::ui {

struct ProjectData;

struct ModelField {
    QString name;
    QString value;
    QString tooltip;  // the exact value, and the metadata key where the name differs from it
};

QList<ModelField> modelFields(const ProjectData& data, int model);

// A count with three significant digits and a unit: 134515008 → "135 M", 300800 → "301 k",
// 2.8e9 → "2.8 B"; below 1,000 the number itself.
QString readableCount(double n);

}  // namespace llmap::ui
