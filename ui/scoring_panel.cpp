#include "scoring_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "model_library.h"

namespace llmap::ui {

namespace {
QString duration(double seconds) {
    if (seconds < 0) return QStringLiteral("…");
    const auto s = static_cast<long long>(seconds + 0.5);
    if (s < 60) return QStringLiteral("%1 s").arg(s);
    if (s < 3600) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
}
}  // namespace

ScoringPanel::ScoringPanel(ModelLibrary* library, QWidget* parent)
    : QWidget(parent), library_(library) {
    queue_ = new ScoringQueue(this);
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    device_ = new QComboBox(this);
    device_->addItem(tr("Automatic (a GPU when there is one)"), QStringLiteral("auto"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("GPU (CUDA)"), QStringLiteral("cuda"));
    device_->addItem(tr("Every GPU (one model on each at a time)"), QStringLiteral("all"));
    dtype_ = new QComboBox(this);
    dtype_->addItem(tr("Automatic (fp32 on CPU, bf16 on GPU)"), QStringLiteral("auto"));
    dtype_->addItem(QStringLiteral("fp32"), QStringLiteral("fp32"));
    dtype_->addItem(QStringLiteral("bf16"), QStringLiteral("bf16"));
    dtype_->addItem(QStringLiteral("fp16"), QStringLiteral("fp16"));
    form->addRow(tr("Device"), device_);
    form->addRow(tr("Precision"), dtype_);
    pmi_ = new QCheckBox(tr("Also score each response alone (PMI matrix)"), this);
    pmi_->setToolTip(
        tr("Prompt-response projects: keeps log p(response) too, so the map can show "
           "log p(response | prompt) - log p(response). One device only."));
    pmi_->setVisible(false);
    form->addRow(QString(), pmi_);
    layout->addLayout(form);
    auto* buttons = new QHBoxLayout;
    scoreSelected_ = new QPushButton(tr("Score Selected"), this);
    scoreAll_ = new QPushButton(tr("Score All New"), this);
    pause_ = new QPushButton(tr("Pause"), this);
    cancel_ = new QPushButton(tr("Cancel"), this);
    buttons->addWidget(scoreSelected_);
    buttons->addWidget(scoreAll_);
    buttons->addWidget(pause_);
    buttons->addWidget(cancel_);
    layout->addLayout(buttons);
    current_ = new QLabel(tr("Open a project, add model folders, then score them."), this);
    current_->setWordWrap(true);
    layout->addWidget(current_);
    modelBar_ = new QProgressBar(this);
    modelBar_->setFormat(tr("texts %v / %m"));
    queueBar_ = new QProgressBar(this);
    queueBar_->setFormat(tr("models %v / %m"));
    rate_ = new QLabel(this);
    layout->addWidget(modelBar_);
    layout->addWidget(queueBar_);
    layout->addWidget(rate_);
    setBusy(false);

    connect(scoreSelected_, &QPushButton::clicked, this, [this] {
        QList<int> rows;
        auto* proxy = qobject_cast<QSortFilterProxyModel*>(library_->view()->model());
        for (const QModelIndex& i : library_->view()->selectionModel()->selectedRows()) {
            rows << (proxy ? proxy->mapToSource(i).row() : i.row());
        }
        if (!rows.isEmpty()) scoreRows(rows);
    });
    connect(scoreAll_, &QPushButton::clicked, this, [this] { scoreRows(); });
    connect(cancel_, &QPushButton::clicked, this, &ScoringPanel::cancel);
    connect(pause_, &QPushButton::clicked, this, [this] {
        if (queue_->isPaused()) {
            pause_->setText(tr("Pause"));
            queue_->resume();
        } else {
            queue_->pause();
            current_->setText(tr("Pausing after the current batch…"));
        }
    });
    connect(queue_, &ScoringQueue::queuePaused, this, [this] {
        pause_->setText(tr("Resume"));
        current_->setText(
            tr("Paused: %1 models waiting; finished texts are kept").arg(queue_->pending()));
    });
    connect(queue_, &ScoringQueue::modelStarted, this,
            [this](const QString& id, int index, int total) {
                current_->setText(tr("Scoring %1").arg(id));
                queueBar_->setRange(0, total);
                queueBar_->setValue(index);
                modelBar_->setValue(0);
                rate_->clear();
                const int row = library_->rowOfId(id);
                if (row >= 0) library_->setStatus(row, tr("scoring"));
            });
    connect(queue_, &ScoringQueue::progressed, this,
            [this](const QString&, qulonglong done, qulonglong total, double rate, double eta) {
                modelBar_->setRange(0, static_cast<int>(total));
                modelBar_->setValue(static_cast<int>(done));
                rate_->setText(tr("%1 tokens/s · %2 left for this model")
                                   .arg(QLocale().toString(rate, 'f', 0), duration(eta)));
            });
    connect(queue_, &ScoringQueue::modelFinished, this,
            [this](const QString& id, bool ok, bool cancelled, const QString& message,
                   std::shared_ptr<const ProjectData> data) {
                if (!(cancelled && queue_->isPaused())) queueBar_->setValue(queueBar_->value() + 1);
                const int row = library_->rowOfId(id);
                if (row >= 0 && cancelled && queue_->isPaused()) {
                    library_->setStatus(row, tr("paused"));
                } else if (row >= 0) {
                    library_->setStatus(row, ok          ? tr("scored")
                                             : cancelled ? tr("cancelled (finished texts kept)")
                                                         : tr("failed: %1").arg(message));
                }
                current_->setText(ok ? tr("%1: %2").arg(id, message)
                                     : tr("%1: %2").arg(id, cancelled ? tr("cancelled") : message));
                if (data) Q_EMIT projectUpdated(data);
            });
    connect(queue_, &ScoringQueue::queueFinished, this, [this] { setBusy(false); });
}

void ScoringPanel::setProject(const QString& path, const QString& convention,
                              const QString& mapMethod) {
    projectPath_ = path;
    convention_ = convention;
    mapMethod_ = mapMethod;
    pmi_->setVisible(convention == QLatin1String("response"));
    setBusy(queue_->isRunning());
}

void ScoringPanel::setMatrix(const QString& matrix) {
    matrix_ = matrix;
}

void ScoringPanel::setBusy(bool busy) {
    const bool scorable = !projectPath_.isEmpty() && convention_ != QLatin1String("imported");
    scoreSelected_->setEnabled(scorable);
    scoreAll_->setEnabled(scorable);
    cancel_->setEnabled(busy);
    pause_->setEnabled(busy);
    if (!busy) pause_->setText(tr("Pause"));
    if (!projectPath_.isEmpty() && !scorable) {
        current_->setText(
            tr("This project holds imported scores: create a new project to score models."));
    }
}

int ScoringPanel::scoreRows(QList<int> rows) {
    if (projectPath_.isEmpty()) return 0;
    if (pmi_->isVisible() && pmi_->isChecked() &&
        device_->currentData().toString() == QLatin1String("all")) {
        current_->setText(
            tr("The PMI matrix is kept in the project itself: score with it on one "
               "device (not Every GPU)."));
        return 0;
    }
    QStandardItemModel* m = library_->model();
    if (rows.isEmpty()) {
        for (int r = 0; r < m->rowCount(); ++r) {
            const QString status = m->item(r, ModelLibrary::Status)->text();
            if (status != tr("scored") && status != tr("scoring") && status != tr("queued") &&
                status != tr("paused")) {
                rows << r;
            }
        }
    }
    QList<ScoringJob> jobs;
    for (int r : rows) {
        jobs.append({m->item(r, ModelLibrary::Id)->text(), m->item(r, ModelLibrary::Path)->text()});
        library_->setStatus(r, tr("queued"));
    }
    if (jobs.isEmpty()) return 0;
    ScoreOptions options;
    options.device = device_->currentData().toString().toStdString();
    options.dtype = dtype_->currentData().toString().toStdString();
    options.convention = convention_.toStdString();
    options.pmi = pmi_->isVisible() && pmi_->isChecked();
    if (!queue_->enqueue(projectPath_, jobs, options, mapMethod_, matrix_)) {
        current_->setText(tr("Another project is being scored: wait or cancel first."));
        return 0;
    }
    setBusy(true);
    return static_cast<int>(jobs.size());
}

void ScoringPanel::cancel() {
    queue_->cancel();
    current_->setText(tr("Cancelling after the current batch…"));
}

}  // namespace llmap::ui
