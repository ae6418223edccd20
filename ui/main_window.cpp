#include "main_window.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTableWidget>
#include <cmath>
#include <numeric>

#include "analysis/model_map.h"
#include "map_view.h"
#include "store/model_metadata.h"
#include "store/project.h"
#include "util/error.h"
#include "util/version.h"

namespace llmap::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("LLMap"));
    resize(1200, 780);
    map_ = new MapView(this);
    setCentralWidget(map_);

    metadata_ = new QTableWidget(0, 2, this);
    metadata_->setHorizontalHeaderLabels({tr("Field"), tr("Value")});
    metadata_->horizontalHeader()->setStretchLastSection(true);
    metadata_->verticalHeader()->hide();
    metadata_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* dock = new QDockWidget(tr("Model"), this);
    dock->setObjectName(QStringLiteral("metadataDock"));
    dock->setWidget(metadata_);
    addDockWidget(Qt::RightDockWidgetArea, dock);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Project…"), QKeySequence::Open, this, &MainWindow::openProjectDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);
    QMenu* exportMenu = menuBar()->addMenu(tr("&Export"));
    exportMenu->addAction(tr("Map as &Image (PNG, SVG, PDF)…"), QKeySequence(tr("Ctrl+E")), this,
                          &MainWindow::exportMapDialog);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Reset Zoom"), QKeySequence(tr("Ctrl+0")), map_, &MapView::resetZoom);
    view->addAction(dock->toggleViewAction());
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About LLMap"), this, [this] {
        QMessageBox::about(
            this, tr("About LLMap"),
            tr("<b>LLMap %1</b><p>Maps language models by their log-likelihoods on a fixed text "
               "set.</p><p>Method: Oyama et al., “Mapping 1,000+ Language Models via the "
               "Log-Likelihood Vector”, ACL 2025.</p>")
                .arg(QStringLiteral(LLMAP_VERSION)));
    });

    statusLabel_ = new QLabel(tr("No project open — File → Open Project (Ctrl+O)"));
    statusBar()->addWidget(statusLabel_, 1);
    connect(map_, &MapView::pointClicked, this, &MainWindow::showModel);
}

MainWindow::~MainWindow() = default;

void MainWindow::showError(const QString& title, const QString& message) {
    statusBar()->showMessage(message, 10000);
    if (QGuiApplication::platformName() != QLatin1String("offscreen")) {
        QMessageBox::warning(this, title, message);
    }
}

bool MainWindow::openProject(const QString& path) {
    try {
        auto project = std::make_unique<Project>(Project::open(path.toStdString()));
        ModelMap map = computeMap(project->scores(), "pca");
        const auto& models = project->models();
        const bool hasFamily = !metadataFields(models).empty() &&
                               std::any_of(models.begin(), models.end(), [](const ModelRecord& m) {
                                   return !metadataValue(m.metadataJson, "family").empty();
                               });
        QVector<MapPoint> points;
        for (size_t i = 0; i < map.rows.size(); ++i) {
            const ModelRecord& m = models[map.rows[i]];
            const auto r = static_cast<Eigen::Index>(i);
            QString group = hasFamily
                                ? QString::fromStdString(metadataValue(m.metadataJson, "family"))
                                : QString();
            points.append(
                {QString::fromStdString(m.id), QPointF(map.xy(r, 0), map.xy(r, 1)), group});
        }
        project_ = std::move(project);
        pointRows_ = map.rows;
        map_->setPoints(points, hasFamily ? tr("family") : QString());
        metadata_->setRowCount(0);
        setWindowTitle(QStringLiteral("LLMap — %1").arg(QFileInfo(path).fileName()));
        statusLabel_->setText(tr("%1 models shown (%2 in project) × %3 texts — %4")
                                  .arg(points.size())
                                  .arg(project_->modelCount())
                                  .arg(project_->texts().size())
                                  .arg(QDir::toNativeSeparators(path)));
        return true;
    } catch (const Error& e) {
        showError(tr("Cannot open project"), QString::fromStdString(e.message()));
    } catch (const std::exception& e) {
        showError(tr("Cannot open project"),
                  path + QStringLiteral(": ") + QString::fromUtf8(e.what()));
    }
    return false;
}

void MainWindow::showModel(int pointIndex) {
    metadata_->setRowCount(0);
    if (!project_ || pointIndex < 0 || pointIndex >= static_cast<int>(pointRows_.size())) return;
    const size_t row = pointRows_[static_cast<size_t>(pointIndex)];
    const ModelRecord& m = project_->models()[row];
    auto add = [this](const QString& field, const QString& value) {
        int r = metadata_->rowCount();
        metadata_->insertRow(r);
        metadata_->setItem(r, 0, new QTableWidgetItem(field));
        metadata_->setItem(r, 1, new QTableWidgetItem(value));
    };
    add(tr("id"), QString::fromStdString(m.id));
    for (const std::string& f : metadataFields({m})) {
        add(QString::fromStdString(f), QString::fromStdString(metadataValue(m.metadataJson, f)));
    }
    std::vector<double> scores = project_->scoreRow(row);
    double mean =
        std::accumulate(scores.begin(), scores.end(), 0.0) / static_cast<double>(scores.size());
    add(tr("mean log-likelihood"), tr("%1 nats per text").arg(mean, 0, 'f', 2));
    statusBar()->showMessage(tr("Selected %1").arg(QString::fromStdString(m.id)), 5000);
}

void MainWindow::openProjectDialog() {
    QString path = QFileDialog::getOpenFileName(this, tr("Open LLMap project"), QString(),
                                                tr("LLMap projects (*.h5 *.hdf5);;All files (*)"));
    if (!path.isEmpty()) openProject(path);
}

void MainWindow::exportMapDialog() {
    QString path = QFileDialog::getSaveFileName(this, tr("Export map"), QStringLiteral("map.png"),
                                                tr("PNG image (*.png);;SVG (*.svg);;PDF (*.pdf)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".png");
    if (!map_->exportFigure(path)) {
        showError(
            tr("Export failed"),
            tr("%1: could not be written (use .png, .svg or .pdf in a writable folder)").arg(path));
    } else {
        statusBar()->showMessage(tr("Exported %1").arg(path), 5000);
    }
}

}  // namespace llmap::ui
