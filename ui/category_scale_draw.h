#pragma once
// An axis whose integer positions carry names (text sources, dendrogram leaves), rotated.
#include <qwt_scale_draw.h>
#include <qwt_text.h>
#include <QStringList>

#include <cmath>

namespace llmap::ui {

class CategoryScaleDraw : public QwtScaleDraw {
public:
    CategoryScaleDraw(QStringList names, double rotation) : names_(std::move(names)) {
        setLabelRotation(rotation);
        setLabelAlignment(Qt::AlignLeft | Qt::AlignBottom);
        enableComponent(QwtAbstractScaleDraw::Ticks, false);
    }
    QwtText label(double value) const override {
        const int i = qRound(value);
        if (std::abs(value - i) > 1e-6 || i < 0 || i >= names_.size()) return QwtText();
        return QwtText(names_[i]);
    }

private:
    QStringList names_;
};

}  // namespace llmap::ui
