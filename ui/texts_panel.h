#pragma once
// The texts of the project (prompt and response for a prompt-response set): source, length,
// variance across models (how much a text separates models) and, when two models are selected, how
// much it separates those two. Choosing a text colours the map by each model's centred score on it.
#include <Eigen/Core>
#include <QAbstractTableModel>
#include <QWidget>

class QLineEdit;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace llmap::ui {

struct ProjectData;

class TextsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // Prompt is shown for prompt-response sets only; Text is then the response.
    enum Column { Id, Source, Bytes, Variance, Separation, Prompt, Text, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setProject(const ProjectData* data);
    void setPair(int a, int b);  // -1, -1: no pair
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    const ProjectData* data_ = nullptr;
    Eigen::VectorXd variance_;
    Eigen::VectorXd separation_;
};

class TextsPanel : public QWidget {
    Q_OBJECT
public:
    explicit TextsPanel(QWidget* parent = nullptr);
    void setData(const ProjectData* data);
    // With exactly two models the texts that separate them most come first.
    void showSelection(const QList<int>& models);
    QTableView* view() const { return view_; }
    TextsModel* model() const { return model_; }

Q_SIGNALS:
    void textChosen(int text);  // -1: none

private:
    TextsModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* view_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QLabel* hint_ = nullptr;
};

}  // namespace llmap::ui
