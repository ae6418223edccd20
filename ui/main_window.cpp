#include "main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressDialog>
#include <QSettings>
#include <QSplitter>
#include <QStackedLayout>
#include <QStatusBar>
#include <QToolBar>
#include <cmath>
#include <sstream>

#include "about_dialog.h"
#include "analysis/kl.h"
#include "analysis/model_map.h"
#include "clusters_panel.h"
#include "colouring.h"
#include "data_dir.h"
#include "figure_size_dialog.h"
#include "kl_check.h"
#include "map_view.h"
#include "model/interpolate.h"
#include "model_library.h"
#include "model_panel.h"
#include "scoring_panel.h"
#include "store/csv_exports.h"
#include "store/matrix_csv.h"
#include "store/project.h"
#include "texts_panel.h"
#include "thread_sanitizer.h"
#include "util/error.h"
#include "util/file_output.h"
#include "util/version.h"
#include "welcome_page.h"

namespace llmap::ui {

namespace {
const int kMaxRecent = 8;
const QString kNoField = QStringLiteral("(none)");
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("LLMap"));
    resize(1280, 820);
    session_ = new ProjectSession(this);
    // A scoring run writes through libhdf5 from its own thread; the forked check must not copy the
    // program while that thread is inside the library. Nor can a sanitizer's runtime be copied
    // while other threads run: the copy may wait forever on its allocator (a healthy file then
    // reads as "hung"), so a build with ASan or TSan reads the file directly.
    session_->setChildCheck(
        [this] { return !scoring_->queue()->isRunning() && !kForkUnsafeRuntime; });

    // The welcome page lies over the map until a project opens; the map is laid out all along.
    map_ = new MapView(this);
    welcome_ = new WelcomePage(this);
    auto* centre = new QWidget(this);
    auto* stack = new QStackedLayout(centre);
    stack->setStackingMode(QStackedLayout::StackAll);
    stack->addWidget(map_);
    stack->addWidget(welcome_);
    stack->setCurrentWidget(welcome_);
    setCentralWidget(centre);
    connect(welcome_, &WelcomePage::demoRequested, this, [this] { openProject(demoProject()); });
    connect(welcome_, &WelcomePage::newProjectRequested, this, &MainWindow::newProjectDialog);
    connect(welcome_, &WelcomePage::openRequested, this, &MainWindow::openProjectDialog);
    connect(welcome_, &WelcomePage::recentChosen, this, &MainWindow::openProject);

    modelPanel_ = new ModelPanel(this);
    auto* modelDock = new QDockWidget(tr("Model"), this);
    modelDock->setObjectName(QStringLiteral("modelDock"));
    modelDock->setWidget(modelPanel_);
    addDockWidget(Qt::RightDockWidgetArea, modelDock);
    resizeDocks({modelDock}, {460}, Qt::Horizontal);

    clustersPanel_ = new ClustersPanel(this);
    auto* clustersDock = new QDockWidget(tr("Clusters"), this);
    clustersDock->setObjectName(QStringLiteral("clustersDock"));
    clustersDock->setWidget(clustersPanel_);
    addDockWidget(Qt::RightDockWidgetArea, clustersDock);
    tabifyDockWidget(modelDock, clustersDock);
    modelDock->raise();

    library_ = new ModelLibrary(this);
    scoring_ = new ScoringPanel(library_, this);
    auto* libraryBox = new QSplitter(Qt::Vertical, this);
    libraryBox->addWidget(library_);
    libraryBox->addWidget(scoring_);
    libraryBox->setStretchFactor(0, 3);
    auto* libraryDock = new QDockWidget(tr("Model Library"), this);
    libraryDock->setObjectName(QStringLiteral("libraryDock"));
    libraryDock->setWidget(libraryBox);
    addDockWidget(Qt::LeftDockWidgetArea, libraryDock);
    libraryDock->hide();
    setAcceptDrops(true);

    klCheck_ = new KlCheck(this);
    textsPanel_ = new TextsPanel(this);
    auto* textsDock = new QDockWidget(tr("Texts"), this);
    textsDock->setObjectName(QStringLiteral("textsDock"));
    textsDock->setWidget(textsPanel_);
    addDockWidget(Qt::BottomDockWidgetArea, textsDock);
    textsDock->hide();

    createToolBar();
    createMenus();
    statusLabel_ = new QLabel(tr("No project open — File → Open Project (Ctrl+O)"));
    statusBar()->addWidget(statusLabel_, 1);

    connect(map_, &MapView::selectionChanged, this, [this] {
        const QList<int> models = selectionList();
        modelPanel_->showSelection(models);
        textsPanel_->showSelection(models);
    });
    connect(modelPanel_, &ModelPanel::modelActivated, map_, &MapView::centreOn);
    connect(clustersPanel_, &ClustersPanel::clusterChosen, map_, &MapView::setSelection);
    connect(textsPanel_, &TextsPanel::textChosen, this, [this](int text) {
        chosenText_ = text;
        applyColouring();
    });

    connectSession();

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow() = default;

void MainWindow::connectSession() {
    connect(session_, &ProjectSession::opened, this, [this] {
        showProject();
        Q_EMIT projectOpened(true, QString());
    });
    connect(session_, &ProjectSession::updated, this, &MainWindow::showProject);
    connect(session_, &ProjectSession::layoutReady, this, &MainWindow::showLayout);
    connect(session_, &ProjectSession::clustersReady, this, &MainWindow::showClusters);
    connect(session_, &ProjectSession::failed, this, &MainWindow::showFailure);
    connect(clustersPanel_, &ClustersPanel::computeRequested, session_, &ProjectSession::cluster);
    connect(scoring_, &ScoringPanel::projectUpdated, this,
            [this](std::shared_ptr<const ProjectData> data) {
                if (data) session_->update(*data);
            });
    connect(modelPanel_, &ModelPanel::interpolateRequested, this, &MainWindow::interpolateDialog);
    connect(modelPanel_, &ModelPanel::checkKlRequested, this, &MainWindow::checkKlDialog);
    connect(session_, &ProjectSession::interpolated, this, [this](const QStringList& folders) {
        statusBar()->showMessage(
            tr("%n interpolated model(s) written; scoring them…", nullptr, int(folders.size())),
            15000);
        toScore_ = folders;
        library_->addFolders(folders);
    });
    connect(library_, &ModelLibrary::foldersRead, this, [this] {
        if (toScore_.isEmpty()) return;
        QList<int> rows;
        for (const QString& folder : std::as_const(toScore_)) {
            const int row = library_->rowOf(folder);
            if (row >= 0) rows << row;
        }
        toScore_.clear();
        if (!rows.isEmpty()) scoring_->scoreRows(rows);
    });
}

void MainWindow::checkKlDialog(int a, int b) {
    const ProjectData* data = session_->data();
    if (!data) return;
    bool ok = false;
    const int samples = QInputDialog::getInt(
        this, tr("Check KL by Sampling"),
        tr("KL(%1 ‖ %2) from texts drawn from %1\n(temperature 1, up to 256 tokens each, seed "
           "42).\nSamples:")
            .arg(data->ids[a], data->ids[b]),
        256, 2, 100000, 1, &ok);
    if (ok) checkKl(a, b, samples);
}

bool MainWindow::checkKl(int a, int b, int samples, int maxTokens) {
    const ProjectData* data = session_->data();
    if (!data || klCheck_->isRunning()) return false;
    SampleKlOptions options;
    options.modelA = data->folder(a).toStdString();
    options.modelB = data->folder(b).toStdString();
    if (options.modelA.empty() || options.modelB.empty()) {
        const QString message =
            tr("The project does not record the folder of %1: check models scored by LLMap from "
               "their folders.")
                .arg(options.modelA.empty() ? data->ids[a] : data->ids[b]);
        showError(tr("Check KL by Sampling"), message);
        Q_EMIT klChecked(false, message);
        return false;
    }
    options.samples = samples;
    options.maxTokens = maxTokens;
    // The map's estimate for the pair, in the same unit (bits per byte of text).
    const double mapKl =
        data->matrix == QLatin1String("loglik")
            ? natsPerTextToBitsPerByte(klNatsPerText(data->centred, a, b), data->texts.meanBytes())
            : std::nan("");
    const QString nameA = data->ids[a], nameB = data->ids[b];
    auto* dialog = new QProgressDialog(tr("Drawing texts from %1…").arg(nameA), tr("Cancel"), 0,
                                       samples, this);
    dialog->setWindowTitle(tr("Check KL by Sampling"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setMinimumDuration(0);
    connect(dialog, &QProgressDialog::canceled, klCheck_, &KlCheck::cancel);
    connect(klCheck_, &KlCheck::progress, dialog, [dialog](int done, int total) {
        dialog->setMaximum(total);
        dialog->setValue(done);
        if (done >= total) dialog->setLabelText(tr("Scoring the texts under both models…"));
    });
    auto finish = [this, dialog](bool ok, const QString& report) {
        disconnect(klCheck_, nullptr, dialog, nullptr);
        disconnect(klCheck_, &KlCheck::finished, this, nullptr);
        disconnect(klCheck_, &KlCheck::failed, this, nullptr);
        dialog->close();
        statusBar()->showMessage(report, 30000);
        if (ok && QGuiApplication::platformName() != QLatin1String("offscreen"))
            QMessageBox::information(this, tr("Check KL by Sampling"), report);
        if (!ok) showError(tr("Check KL by Sampling"), report);
        Q_EMIT klChecked(ok, report);
    };
    connect(klCheck_, &KlCheck::finished, this,
            [finish, nameA, nameB, mapKl](const SampleKlResult& r) {
                if (r.cancelled) {
                    finish(false, tr("The KL check was cancelled."));
                    return;
                }
                QString report = tr("KL(%1 ‖ %2) from %3 samples: %4 ± %5 nats per sequence, "
                                    "%6 ± %7 bits per byte.")
                                     .arg(nameA, nameB)
                                     .arg(r.kl.samples)
                                     .arg(r.kl.natsPerSequence, 0, 'g', 4)
                                     .arg(r.kl.natsStdErr, 0, 'g', 2)
                                     .arg(r.kl.bitsPerByte, 0, 'g', 4)
                                     .arg(r.kl.bitsPerByteStdErr, 0, 'g', 2);
                if (std::isfinite(mapKl))
                    report += tr(" The map's estimate: %1 bits per byte.").arg(mapKl, 0, 'g', 4);
                for (const std::string& note : r.notes)
                    report += QLatin1Char(' ') + QString::fromStdString(note) + QLatin1Char('.');
                finish(true, report);
            });
    connect(klCheck_, &KlCheck::failed, this,
            [finish](const QString& message) { finish(false, message); });
    klCheck_->start(options);
    dialog->show();
    return true;
}

void MainWindow::interpolateDialog(int a, int b) {
    const ProjectData* data = session_->data();
    if (!data) return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Interpolate"));
    auto* form = new QFormLayout(&dialog);
    form->addRow(new QLabel(
        tr("Models (1 − α)·A + α·B between\nA = %1\nB = %2").arg(data->ids[a], data->ids[b]),
        &dialog));
    auto* alphas = new QLineEdit(QStringLiteral("0.25,0.5,0.75"), &dialog);
    form->addRow(tr("α values"), alphas);
    auto* out = new QLineEdit(
        QFileInfo(data->path).absoluteDir().filePath(QStringLiteral("interpolations")), &dialog);
    form->addRow(tr("Write into"), out);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return;
    std::vector<double> values;
    try {
        values = parseAlphas(alphas->text().toStdString(), "α values");
    } catch (const Error& e) {
        showError(tr("Interpolate"), QString::fromStdString(e.message()));
        return;
    }
    interpolate(a, b, values, out->text());
}

void MainWindow::interpolate(int a, int b, const std::vector<double>& alphas,
                             const QString& outDir) {
    const ProjectData* data = session_->data();
    if (!data) return;
    const QString from = data->folder(a), to = data->folder(b);
    if (from.isEmpty() || to.isEmpty()) {
        showError(tr("Interpolate"),
                  tr("The project does not record the folder of %1: interpolate models scored "
                     "by LLMap from their folders.")
                      .arg(from.isEmpty() ? data->ids[a] : data->ids[b]));
        return;
    }
    statusBar()->showMessage(tr("Interpolating %1 and %2…").arg(data->ids[a], data->ids[b]));
    session_->interpolate(from, to, alphas, outDir);
}

void MainWindow::showFailure(ProjectSession::Job job, const QString& message) {
    switch (job) {
        case ProjectSession::Job::Open:
            showError(tr("Cannot open project"), message);
            Q_EMIT projectOpened(false, message);
            break;
        case ProjectSession::Job::Create:
            showError(tr("Cannot create the project"), message);
            Q_EMIT projectOpened(false, message);
            break;
        case ProjectSession::Job::SaveAs:
            showError(tr("Save As"), message);
            Q_EMIT projectOpened(false, message);
            break;
        case ProjectSession::Job::Layout:
            // The map keeps the layout it shows, and the toolbar says which.
            if (session_->data()) showMethod(session_->data()->method);
            statusBar()->showMessage(message, 15000);
            Q_EMIT layoutChanged(QString());
            break;
        case ProjectSession::Job::Clustering:
            clustersPanel_->showFailure(message);
            statusBar()->showMessage(message, 15000);
            break;
        case ProjectSession::Job::Interpolation:
            showError(tr("Interpolate"), message);
            Q_EMIT interpolationFailed(message);
            break;
    }
}

bool MainWindow::refuseWhileBusy() {
    if (!session_->isBusy()) return false;
    showError(tr("Busy"), tr("Still opening %1").arg(session_->busyPath()));
    return true;
}

void MainWindow::createToolBar() {
    QToolBar* bar = addToolBar(tr("Map"));
    bar->setObjectName(QStringLiteral("mapToolBar"));
    bar->addWidget(new QLabel(tr(" Map ")));
    method_ = new QComboBox(this);
    method_->addItem(tr("PCA"), QStringLiteral("pca"));
    method_->addItem(tr("MDS"), QStringLiteral("mds"));
    method_->addItem(tr("t-SNE"), QStringLiteral("tsne"));
    method_->setToolTip(
        tr("PCA: linear, fast. MDS: classical scaling of the KL matrix, faithful to "
           "distances. t-SNE: the paper's map (perplexity 30, PCA start, seed 42)."));
    bar->addWidget(method_);
    connect(method_, &QComboBox::currentIndexChanged, this,
            [this] { changeLayout(method_->currentData().toString()); });
    matrixLabel_ = bar->addWidget(new QLabel(tr("  of ")));
    matrix_ = new QComboBox(this);
    matrix_->addItem(tr("log p(response | prompt)"), QStringLiteral("loglik"));
    matrix_->addItem(tr("PMI: log p(response | prompt) − log p(response)"), QStringLiteral("pmi"));
    matrix_->setToolTip(
        tr("Prompt-response projects scored with PMI: map the models by how "
           "much the prompt changes each response's likelihood."));
    matrixAction_ = bar->addWidget(matrix_);
    matrixLabel_->setVisible(false);
    matrixAction_->setVisible(false);
    connect(matrix_, &QComboBox::currentIndexChanged, this, [this] {
        const QString matrix = matrix_->currentData().toString();
        scoring_->setMatrix(matrix);
        if (!refuseWhileBusy()) session_->setMatrix(matrix);
    });
    bar->addWidget(new QLabel(tr("  Colour by ")));
    colourBy_ = new QComboBox(this);
    colourBy_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(colourBy_);
    bar->addWidget(new QLabel(tr("  Size by ")));
    sizeBy_ = new QComboBox(this);
    sizeBy_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(sizeBy_);
    bar->addSeparator();
    search_ = new QLineEdit(this);
    search_->setPlaceholderText(tr("Find a model (Ctrl+F)…"));
    search_->setClearButtonEnabled(true);
    search_->setMaximumWidth(280);
    bar->addWidget(search_);
    connect(search_, &QLineEdit::returnPressed, this, [this] { searchModel(search_->text()); });
    connect(colourBy_, &QComboBox::currentTextChanged, this, [this] {
        chosenText_ = -1;
        applyColouring();
    });
    connect(sizeBy_, &QComboBox::currentTextChanged, this, &MainWindow::applySizes);
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Project…"), QKeySequence::New, this, &MainWindow::newProjectDialog);
    file->addAction(tr("&Open Project…"), QKeySequence::Open, this, &MainWindow::openProjectDialog);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("Save Project &As…"), QKeySequence::SaveAs, this,
                    &MainWindow::saveProjectAsDialog);
    updateRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* exportMenu = menuBar()->addMenu(tr("&Export"));
    exportMenu->addAction(tr("Map as &Figure (PNG, SVG, PDF)…"), QKeySequence(tr("Ctrl+E")), this,
                          &MainWindow::exportMapDialog);
    exportMenu->addSeparator();
    exportMenu->addAction(tr("&Coordinates with Metadata (CSV)…"), QKeySequence(tr("Ctrl+Shift+C")),
                          this, [this] { exportCsvDialog(QStringLiteral("coords")); });
    exportMenu->addAction(tr("&KL Matrix (CSV)…"), QKeySequence(tr("Ctrl+Shift+K")), this,
                          [this] { exportCsvDialog(QStringLiteral("kl")); });
    exportMenu->addAction(tr("Raw &Scores (CSV)…"), QKeySequence(tr("Ctrl+Shift+R")), this,
                          [this] { exportCsvDialog(QStringLiteral("scores")); });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Reset Zoom"), QKeySequence(tr("Ctrl+0")), map_, &MapView::resetZoom);
    keepAspect_ = view->addAction(tr("&Keep Aspect Ratio"));
    keepAspect_->setCheckable(true);
    keepAspect_->setChecked(true);
    connect(keepAspect_, &QAction::toggled, map_, &MapView::setKeepAspect);
    view->addAction(tr("&Find Model"), QKeySequence::Find, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    view->addSeparator();
    view->addAction(tr("&Label Selected Models"), QKeySequence(tr("Ctrl+L")), this,
                    &MainWindow::labelSelection);
    view->addAction(tr("&Clear Labels"), QKeySequence(tr("Ctrl+Shift+L")), this,
                    [this] { map_->setLabelled({}); });
    view->addAction(tr("Select &None"), QKeySequence(tr("Esc")), this,
                    [this] { map_->setSelection({}); });
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("Open the &Demo Project"), this, [this] { openProject(demoProject()); });
    help->addAction(tr("&About LLMap"), this, [this] { AboutDialog(this).exec(); });
}

void MainWindow::showError(const QString& title, const QString& message) {
    statusBar()->showMessage(message, 15000);
    if (QGuiApplication::platformName() != QLatin1String("offscreen")) {
        QMessageBox::warning(this, title, message);
    }
}

void MainWindow::openProject(const QString& path) {
    if (refuseWhileBusy()) {
        Q_EMIT projectOpened(false, tr("busy"));
        return;
    }
    statusBar()->showMessage(tr("Opening %1…").arg(path));
    session_->open(path);
}

void MainWindow::showProject() {
    const ProjectData* data = session_->data();
    welcome_->hide();
    chosenText_ = -1;
    QVector<QPointF> points;
    for (Eigen::Index i = 0; i < data->xy.rows(); ++i)
        points << QPointF(data->xy(i, 0), data->xy(i, 1));
    map_->setPoints(points, data->ids, axisName(data->method));
    map_->setPaths(data->paths);
    showMethod(session_->requestedLayout());
    modelPanel_->setData(data);
    textsPanel_->setData(data);
    clustersPanel_->setData(data);
    library_->setScoredIds(data->ids);
    scoring_->setProject(data->path, data->convention, data->method);
    {
        const QSignalBlocker block(matrix_);
        matrix_->setCurrentIndex(matrix_->findData(data->matrix));
        matrixLabel_->setVisible(data->hasPmi);
        matrixAction_->setVisible(data->hasPmi);
    }
    statusBar()->clearMessage();
    if (!data->unfinished.isEmpty() && !scoring_->queue()->isRunning()) {
        // An interrupted run: list the unfinished models so that scoring them again resumes.
        QStringList specs;
        for (const auto& [id, folder] : data->unfinished) specs << id + QLatin1Char('=') + folder;
        library_->addFolders(specs);
        statusBar()->showMessage(
            tr("%1 models were not finished: Model Library → Score All New resumes them")
                .arg(data->unfinished.size()),
            20000);
    }

    const QString previousColour = QSettings().value(QStringLiteral("map/colourBy")).toString();
    QSignalBlocker blockColour(colourBy_), blockSize(sizeBy_);
    colourBy_->clear();
    sizeBy_->clear();
    colourBy_->addItem(kNoField);
    sizeBy_->addItem(kNoField);
    for (const QString& f : data->fields) {
        colourBy_->addItem(f);
        if (data->isNumeric(f)) sizeBy_->addItem(f);
    }
    // The last colouring used, else the first of the fields that usually name groups of models.
    QString initial = kNoField;
    for (const QString& f : {previousColour, QStringLiteral("family"), QStringLiteral("corpus"),
                             QStringLiteral("model_type")}) {
        if (data->fields.contains(f)) {
            initial = f;
            break;
        }
    }
    colourBy_->setCurrentText(initial);
    applyColouring();
    applySizes();

    auto* completer = new QCompleter(data->ids, search_);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    search_->setCompleter(completer);

    setWindowTitle(QStringLiteral("LLMap — %1").arg(QFileInfo(data->path).fileName()));
    statusLabel_->setText(tr("%1 models on the map (%2 in the project) × %3 texts · %4 · %5")
                              .arg(data->ids.size())
                              .arg(data->modelsInProject)
                              .arg(data->texts.size())
                              .arg(tr("convention: %1").arg(data->convention))
                              .arg(QDir::toNativeSeparators(data->path)));
    rememberRecent(data->path);
}

void MainWindow::showMethod(const QString& method) {
    const int i = method_->findData(method);
    if (i < 0 || i == method_->currentIndex()) return;
    QSignalBlocker block(method_);
    method_->setCurrentIndex(i);
}

void MainWindow::showLayout() {
    const ProjectData* data = session_->data();
    QVector<QPointF> points;
    for (Eigen::Index i = 0; i < data->xy.rows(); ++i)
        points << QPointF(data->xy(i, 0), data->xy(i, 1));
    map_->movePoints(points, axisName(data->method));
    showMethod(data->method);
    // Models scored from now on are mapped the same way.
    scoring_->setProject(data->path, data->convention, data->method);
    statusBar()->showMessage(tr("%1 map ready").arg(axisName(data->method)), 5000);
    Q_EMIT layoutChanged(data->method);
}

QString MainWindow::axisName(const QString& method) {
    if (method == QLatin1String("pca")) return QStringLiteral("PC");
    if (method == QLatin1String("mds")) return QStringLiteral("MDS");
    return QStringLiteral("t-SNE");
}

void MainWindow::changeLayout(const QString& method) {
    const ProjectData* data = session_->data();
    if (!data) return;
    if (session_->setLayout(method)) {
        statusBar()->showMessage(
            tr("Computing the %1 map of %2 models…").arg(axisName(method)).arg(data->ids.size()));
    }
}

void MainWindow::showClusters(std::shared_ptr<const ClusterResult> result) {
    clustersPanel_->showResult(result);
    const QString field = QString::fromLatin1(ProjectData::kCluster);
    if (colourBy_->findText(field) < 0) colourBy_->addItem(field);
    if (colourBy_->currentText() == field) {
        applyColouring();
    } else {
        colourBy_->setCurrentText(field);
    }
    // The panel lists clusters in label order with the colours the map gives them.
    QVector<QColor> colours;
    const Colouring& c = map_->colouring();
    for (int l = 0; l < result->clusters; ++l) {
        const int k = static_cast<int>(c.categories.indexOf(ProjectData::clusterName(l)));
        colours << (k >= 0 ? c.categoryColours[k] : missingColour());
    }
    clustersPanel_->setClusterColours(colours);
}

bool MainWindow::createProject(const QString& path, const QString& texts,
                               const QString& convention) {
    if (refuseWhileBusy()) return false;
    statusBar()->showMessage(tr("Creating %1…").arg(path));
    session_->create(path, texts, convention);
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("libraryDock"))) dock->show();
    return true;
}

void MainWindow::saveProjectAsDialog() {
    const ProjectData* data = session_->data();
    if (!data) return;
    if (scoring_->queue()->isRunning()) {
        showError(tr("Save As"),
                  tr("Models are being scored into this project: wait, pause or cancel first."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the project as"),
                                                      QFileInfo(data->path).absolutePath(),
                                                      tr("LLMap projects (*.h5)"));
    if (!path.isEmpty()) saveProjectAs(path);
}

bool MainWindow::saveProjectAs(const QString& path) {
    const ProjectData* data = session_->data();
    if (!data) return false;
    if (QFileInfo(path).absoluteFilePath() == QFileInfo(data->path).absoluteFilePath()) return true;
    if (refuseWhileBusy()) return false;
    statusBar()->showMessage(tr("Copying the project to %1…").arg(path));
    session_->saveAs(path);
    return true;
}

void MainWindow::newProjectDialog() {
    QDialog dialog(this);
    dialog.setWindowTitle(tr("New project"));
    auto* form = new QFormLayout(&dialog);
    auto* texts = new QComboBox(&dialog);
    const QString resources = dataDir() + QStringLiteral("/texts/");
    texts->addItem(tr("Default text set (10,000 texts)"),
                   resources + QStringLiteral("default.jsonl.gz"));
    texts->addItem(tr("Quick text set (1,000 texts, for CPUs)"),
                   resources + QStringLiteral("quick.jsonl.gz"));
    texts->addItem(tr("From a file…"), QString());
    auto* convention = new QComboBox(&dialog);
    convention->addItem(tr("full: every text token scored (recommended)"), QStringLiteral("full"));
    convention->addItem(tr("paper: as the paper scored (first token not scored)"),
                        QStringLiteral("paper"));
    form->addRow(tr("Texts"), texts);
    form->addRow(tr("Convention"), convention);
    form->addRow(QString(),
                 new QLabel(tr("A set of \"prompt\" and \"response\" pairs (JSONL) makes a "
                               "prompt-response map:\nonly the response is scored, given its "
                               "prompt."),
                            &dialog));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return;
    QString textPath = texts->currentData().toString();
    if (textPath.isEmpty()) {
        textPath = QFileDialog::getOpenFileName(
            this, tr("Choose a text set"), QString(),
            tr("Text sets (*.jsonl *.jsonl.gz *.csv *.txt);;All files (*)"));
        if (textPath.isEmpty()) return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the new project"),
                                                      QStringLiteral("project.llmap.h5"),
                                                      tr("LLMap projects (*.h5)"));
    if (!path.isEmpty()) createProject(path, textPath, convention->currentData().toString());
}

void MainWindow::applyColouring() {
    const ProjectData* data = session_->data();
    if (!data) return;
    QVector<QVariant> values(data->ids.size());
    QString field = colourBy_->currentText();
    bool numeric = false;
    if (chosenText_ >= 0) {
        field = tr("centred score on text %1")
                    .arg(QString::fromStdString(data->texts.ids[static_cast<size_t>(chosenText_)]));
        for (int i = 0; i < values.size(); ++i) values[i] = data->centred(i, chosenText_);
        numeric = true;
    } else if (field != kNoField && !field.isEmpty()) {
        for (int i = 0; i < values.size(); ++i) values[i] = data->value(i, field);
        numeric = data->isNumeric(field);
        QSettings().setValue(QStringLiteral("map/colourBy"), field);
    } else {
        field.clear();
    }
    map_->setColouring(colourBy(field, values, numeric));
}

void MainWindow::applySizes() {
    const ProjectData* data = session_->data();
    if (!data) return;
    const QString field = sizeBy_->currentText();
    QVector<QVariant> values;
    if (field != kNoField && !field.isEmpty()) {
        values.resize(data->ids.size());
        for (int i = 0; i < values.size(); ++i) values[i] = data->value(i, field);
        map_->setSizes(sizesBy(values));
    } else {
        map_->setSizes(QVector<double>(data->ids.size(), 9.0));
    }
}

QList<int> MainWindow::selectionList() const {
    QList<int> list(map_->selection().begin(), map_->selection().end());
    std::sort(list.begin(), list.end());
    return list;
}

void MainWindow::searchModel(const QString& text) {
    const ProjectData* data = session_->data();
    if (!data || text.trimmed().isEmpty()) return;
    int found = static_cast<int>(data->ids.indexOf(text.trimmed()));
    for (int i = 0; found < 0 && i < data->ids.size(); ++i) {
        if (data->ids[i].contains(text.trimmed(), Qt::CaseInsensitive)) found = i;
    }
    if (found < 0) {
        statusBar()->showMessage(tr("No model matches “%1”").arg(text), 5000);
        return;
    }
    map_->centreOn(found);
}

void MainWindow::labelSelection() {
    QSet<int> labelled = map_->labelled();
    labelled.unite(map_->selection());
    map_->setLabelled(labelled);
}

void MainWindow::openProjectDialog() {
    QString path = QFileDialog::getOpenFileName(this, tr("Open LLMap project"), QString(),
                                                tr("LLMap projects (*.h5 *.hdf5);;All files (*)"));
    if (!path.isEmpty()) openProject(path);
}

void MainWindow::exportMapDialog() {
    const ProjectData* data = session_->data();
    if (!data) return;
    QString path = QFileDialog::getSaveFileName(this, tr("Export map"), QStringLiteral("map.pdf"),
                                                tr("PDF (*.pdf);;SVG (*.svg);;PNG image (*.png)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".pdf");
    FigureSizeDialog size(this);
    if (size.exec() != QDialog::Accepted) return;
    if (!map_->exportFigure(path, size.sizeMm(), size.dpi())) {
        showError(
            tr("Export failed"),
            tr("%1: could not be written (use .png, .svg or .pdf in a writable folder)").arg(path));
    } else {
        statusBar()->showMessage(tr("Exported %1").arg(path), 5000);
    }
}

void MainWindow::exportCsvDialog(const QString& what) {
    const ProjectData* data = session_->data();
    if (!data) return;
    QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"),
                                                what + QStringLiteral(".csv"), tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    try {
        std::vector<std::string> ids;
        for (const QString& id : data->ids) ids.push_back(id.toStdString());
        std::string content;
        if (what == QLatin1String("coords")) {
            std::vector<std::string> metadata;
            for (const auto& m : data->metadata) metadata.push_back(m.dump());
            content = coordinatesCsv(ids, data->xy, metadata);
        } else if (what == QLatin1String("kl")) {
            content = squareMatrixCsv(ids, klNatsPerText(data->centred), "kl_nats_per_text");
        } else {
            std::ostringstream csv;
            Project project = Project::open(data->path.toStdString());
            project.selectMatrix(data->matrix.toStdString());  // the matrix the map shows
            writeScoreCsv(csv, project);
            content = csv.str();
        }
        writeFileAtomically(path.toStdString(), content);
        statusBar()->showMessage(tr("Exported %1").arg(path), 5000);
    } catch (const Error& e) {
        showError(tr("Export failed"), QString::fromStdString(e.message()));
    }
}

void MainWindow::rememberRecent(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentProjects")).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(QStringLiteral("recentProjects"), recent);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentProjects")).toStringList();
    for (const QString& path : recent) {
        recentMenu_->addAction(QDir::toNativeSeparators(path), this,
                               [this, path] { openProject(path); });
    }
    recentMenu_->setEnabled(!recent.isEmpty());
    welcome_->setRecent(recent);
}

namespace {

// A model folder or a GGUF model file.
bool isModelPath(const QString& path) {
    const QFileInfo info(path);
    return info.isDir() || (info.isFile() && info.suffix().compare(QStringLiteral("gguf"),
                                                                   Qt::CaseInsensitive) == 0);
}

}  // namespace

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile() && isModelPath(url.toLocalFile())) {
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    QStringList folders;
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile() && isModelPath(url.toLocalFile())) folders << url.toLocalFile();
    }
    if (folders.isEmpty()) return;
    library_->addFolders(folders);
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("libraryDock"))) {
        dock->show();
        dock->raise();
    }
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    scoring_->queue()->cancel();
    scoring_->queue()->wait();
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    event->accept();
}

}  // namespace llmap::ui
