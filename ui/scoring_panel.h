#pragma once
// Scoring from the app: the settings (device, dtype), buttons to score the selected or all new
// models of the library into the open project, progress per model and for the queue with
// tokens/s and time left, and cancel. Runs a ScoringQueue.
#include <QWidget>
#include <memory>

#include "scoring_queue.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace llmap::ui {

class ModelLibrary;

class ScoringPanel : public QWidget {
    Q_OBJECT
public:
    ScoringPanel(ModelLibrary* library, QWidget* parent = nullptr);

    // The project models are scored into (its convention is used); empty: none open.
    void setProject(const QString& path, const QString& convention, const QString& mapMethod);
    // The matrix ("loglik" or "pmi") the map data prepared after each model shows.
    void setMatrix(const QString& matrix);
    // Scores the given library rows (all "new" and failed ones when empty). Returns how many.
    int scoreRows(QList<int> rows = {});
    void cancel();
    ScoringQueue* queue() const { return queue_; }
    QProgressBar* modelProgress() const { return modelBar_; }

Q_SIGNALS:
    void projectUpdated(std::shared_ptr<const ProjectData> data);

private:
    void setBusy(bool busy);

    ModelLibrary* library_;
    ScoringQueue* queue_ = nullptr;
    QString projectPath_, convention_, mapMethod_;
    QString matrix_ = QStringLiteral("loglik");
    QCheckBox* pmi_ = nullptr;
    QComboBox* device_ = nullptr;
    QComboBox* dtype_ = nullptr;
    QPushButton* scoreSelected_ = nullptr;
    QPushButton* scoreAll_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QPushButton* pause_ = nullptr;
    QLabel* current_ = nullptr;
    QLabel* rate_ = nullptr;
    QProgressBar* modelBar_ = nullptr;
    QProgressBar* queueBar_ = nullptr;
};

}  // namespace llmap::ui
