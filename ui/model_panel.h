#pragma once
// Details of the selection: one model's fields, its nearest neighbours with KL, and its relative
// strength per text source; or, for several models, who they are and how far apart.
#include <QWidget>

class QLabel;
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

Q_SIGNALS:
    void modelActivated(int index);

private:
    void showOne(int model);
    void addField(const QString& name, const QString& value, const QString& tooltip = {});

    const ProjectData* data_ = nullptr;
    QLabel* title_ = nullptr;
    QTableWidget* fields_ = nullptr;
    QTableWidget* neighbours_ = nullptr;
    QwtPlot* sourcePlot_ = nullptr;
    QwtPlotBarChart* sourceBars_ = nullptr;
};

}  // namespace llmap::ui
