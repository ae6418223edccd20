#pragma once
// Details of the selection: one model's fields, its nearest neighbours with KL, and its relative
// strength per text source; or, for several models, who they are and how far apart (and, for two,
// "Interpolate…").
#include <QWidget>

class QLabel;
class QPushButton;
class QTableWidget;
class QwtPlot;
class QwtPlotBarChart;

namespace llmap::ui {

struct ProjectData;

class ModelPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelPanel(QWidget* parent = nullptr);

    void setData(const ProjectData* data);
    void showSelection(const QList<int>& models);
    QTableWidget* fieldsTable() const { return fields_; }
    QTableWidget* neighboursTable() const { return neighbours_; }
    QwtPlot* sourcePlot() const { return sourcePlot_; }
    QPushButton* interpolateButton() const { return interpolate_; }
    QPushButton* checkKlButton() const { return checkKl_; }

Q_SIGNALS:
    void modelActivated(int index);
    // "Interpolate…" with two models selected: from `a` towards `b`.
    void interpolateRequested(int a, int b);
    // "Check KL by sampling" with two models selected: KL(a || b) from samples of `a`.
    void checkKlRequested(int a, int b);

private:
    void showOne(int model);
    void addField(const QString& name, const QString& value, const QString& tooltip = {});

    const ProjectData* data_ = nullptr;
    QLabel* title_ = nullptr;
    QPushButton* interpolate_ = nullptr;
    QPushButton* checkKl_ = nullptr;
    QList<int> selection_;
    QTableWidget* fields_ = nullptr;
    QTableWidget* neighbours_ = nullptr;
    QwtPlot* sourcePlot_ = nullptr;
    QwtPlotBarChart* sourceBars_ = nullptr;
};

}  // namespace llmap::ui
