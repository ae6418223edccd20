#include "figure_size_dialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSettings>
#include <QSpinBox>

namespace llmap::ui {

FigureSizeDialog::FigureSizeDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Figure size"));
    QSettings settings;
    auto* form = new QFormLayout(this);
    width_ = new QDoubleSpinBox(this);
    height_ = new QDoubleSpinBox(this);
    for (QDoubleSpinBox* box : {width_, height_}) {
        box->setRange(30, 1000);
        box->setSuffix(QStringLiteral(" mm"));
        box->setDecimals(0);
    }
    width_->setValue(settings.value(QStringLiteral("export/widthMm"), 160).toDouble());
    height_->setValue(settings.value(QStringLiteral("export/heightMm"), 120).toDouble());
    dpi_ = new QSpinBox(this);
    dpi_->setRange(50, 1200);
    dpi_->setSuffix(QStringLiteral(" dpi"));
    dpi_->setValue(settings.value(QStringLiteral("export/dpi"), 300).toInt());
    form->addRow(tr("Width"), width_);
    form->addRow(tr("Height"), height_);
    form->addRow(tr("Resolution"), dpi_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

QSizeF FigureSizeDialog::sizeMm() const {
    return QSizeF(width_->value(), height_->value());
}
int FigureSizeDialog::dpi() const {
    return dpi_->value();
}

void FigureSizeDialog::accept() {
    QSettings settings;
    settings.setValue(QStringLiteral("export/widthMm"), width_->value());
    settings.setValue(QStringLiteral("export/heightMm"), height_->value());
    settings.setValue(QStringLiteral("export/dpi"), dpi_->value());
    QDialog::accept();
}

}  // namespace llmap::ui
