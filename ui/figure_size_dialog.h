#pragma once
// Asks for a figure's size (mm) and resolution (dpi), remembering the last answer.
#include <QDialog>
#include <QSizeF>

class QDoubleSpinBox;
class QSpinBox;

namespace llmap::ui {

class FigureSizeDialog : public QDialog {
    Q_OBJECT
public:
    explicit FigureSizeDialog(QWidget* parent = nullptr);
    QSizeF sizeMm() const;
    int dpi() const;
    void accept() override;

private:
    QDoubleSpinBox* width_ = nullptr;
    QDoubleSpinBox* height_ = nullptr;
    QSpinBox* dpi_ = nullptr;
};

}  // namespace llmap::ui
