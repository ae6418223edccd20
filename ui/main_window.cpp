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
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <sstream>

#include "about_dialog.h"
#include "analysis/kl.h"
#include "analysis/model_map.h"
#include "background_task.h"
#include "clusters_panel.h"
#include "colouring.h"
#include "data_dir.h"
#include "figure_size_dialog.h"
#include "map_view.h"
#include "model_library.h"
#include "model_panel.h"
#include "scoring_panel.h"
#include "store/csv_exports.h"
#include "store/matrix_csv.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "texts_panel.h"
#include "thread_sanitizer.h"
#include "util/error.h"
#include "util/file_output.h"
#include "util/version.h"

namespace llmap::ui {

namespace {
const int kMaxRecent = 8;
const QString kNoField = QStringLiteral("(none)");
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("LLMap"));
    resize(1280, 820);
    map_ = new MapView(this);
    setCentralWidget(map_);

    modelPanel_ = new ModelPanel(this);
    auto* modelDock = new QDockWidget(tr("Model"), this);
    modelDock->setObjectName(QStringLiteral("modelDock"));
    modelDock->setWidget(modelPanel_);
    addDockWidget(Qt::RightDockWidgetArea, modelDock);
    resizeDocks({modelDock}, {380}, Qt::Horizontal);

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
    connect(scoring_, &ScoringPanel::projectUpdated, this, &MainWindow::updateProject);
    addDockWidget(Qt::LeftDockWidgetArea, libraryDock);
    libraryDock->hide();
    setAcceptDrops(true);

    textsPanel_ = new TextsPanel(this);
    auto* textsDock = new QDockWidget(tr("Texts"), this);
    textsDock->setObjectName(QStringLiteral("textsDock"));
    textsDock->setWidget(textsPanel_);
    addDockWidget(Qt::BottomDockWidgetArea, textsDock);
    textsDock->hide();

    loader_ = new QFutureWatcher<LoadResult>(this);
    connect(loader_, &QFutureWatcher<LoadResult>::finished, this, [this] {
        LoadResult r = loader_->result();
        if (!r.data) {
            showError(tr("Cannot open project"), r.error);
            Q_EMIT projectOpened(false, r.error);
            return;
        }
        showProject(*r.data);
        Q_EMIT projectOpened(true, QString());
    });

    layouter_ = new QFutureWatcher<Eigen::MatrixXd>(this);
    connect(layouter_, &QFutureWatcher<Eigen::MatrixXd>::finished, this, [this] {
        Eigen::MatrixXd xy = layouter_->result();
        if (!data_ || xy.rows() == 0) {
            statusBar()->showMessage(
                tr("The %1 map could not be computed").arg(axisName(layoutMethod_)), 10000);
            Q_EMIT layoutChanged(QString());
            return;
        }
        data_->xy = xy;
        data_->method = layoutMethod_;
        QVector<QPointF> points;
        for (Eigen::Index i = 0; i < xy.rows(); ++i) points << QPointF(xy(i, 0), xy(i, 1));
        map_->movePoints(points, axisName(layoutMethod_));
        statusBar()->showMessage(tr("%1 map ready").arg(axisName(layoutMethod_)), 5000);
        Q_EMIT layoutChanged(layoutMethod_);
    });

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
    connect(clustersPanel_, &ClustersPanel::clustersReady, this, &MainWindow::showClusters);
    connect(clustersPanel_, &ClustersPanel::clusterChosen, map_, &MapView::setSelection);
    connect(textsPanel_, &TextsPanel::textChosen, this, [this](int text) {
        chosenText_ = text;
        applyColouring();
    });

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow() = default;

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
    if (loader_->isRunning()) {
        showError(tr("Busy"), tr("Still opening %1").arg(loadingPath_));
        Q_EMIT projectOpened(false, tr("busy"));
        return;
    }
    loadingPath_ = path;
    statusBar()->showMessage(tr("Opening %1…").arg(path));
    // A scoring run writes through libhdf5 from its own thread; the forked check must not copy the
    // program while that thread is inside the library. Nor can a sanitizer's runtime be copied
    // while other threads run: the copy may wait forever on its allocator (a healthy file then
    // reads as "hung"), so a build with ASan or TSan reads the file directly.
    const bool checkInChild = !scoring_->queue()->isRunning() && !kForkUnsafeRuntime;
    loader_->setFuture(runInBackground([path, checkInChild]() -> LoadResult {
        try {
            return {std::make_shared<ProjectData>(
                        loadProjectData(path, QStringLiteral("pca"), checkInChild)),
                    QString()};
        } catch (const Error& e) {
            return {nullptr, QString::fromStdString(e.message())};
        } catch (const std::exception& e) {
            return {nullptr, path + QStringLiteral(": ") + QString::fromUtf8(e.what())};
        }
    }));
}

void MainWindow::showProject(const ProjectData& data) {
    data_ = std::make_unique<ProjectData>(data);
    chosenText_ = -1;
    QVector<QPointF> points;
    for (Eigen::Index i = 0; i < data_->xy.rows(); ++i)
        points << QPointF(data_->xy(i, 0), data_->xy(i, 1));
    map_->setPoints(
        points, data_->ids,
        data_->method.toUpper() == QLatin1String("PCA") ? QStringLiteral("PC") : data_->method);
    modelPanel_->setData(data_.get());
    textsPanel_->setData(data_.get());
    clustersPanel_->setData(data_.get());
    library_->setScoredIds(data_->ids);
    scoring_->setProject(data_->path, data_->convention, data_->method);
    if (!data_->unfinished.isEmpty() && !scoring_->queue()->isRunning()) {
        // An interrupted run: list the unfinished models so that scoring them again resumes.
        QStringList specs;
        for (const auto& [id, folder] : data_->unfinished) specs << id + QLatin1Char('=') + folder;
        library_->addFolders(specs);
        statusBar()->showMessage(
            tr("%1 models were not finished: Model Library → Score All New resumes them")
                .arg(data_->unfinished.size()),
            20000);
    }

    const QString previousColour = QSettings().value(QStringLiteral("map/colourBy")).toString();
    QSignalBlocker blockColour(colourBy_), blockSize(sizeBy_);
    colourBy_->clear();
    sizeBy_->clear();
    colourBy_->addItem(kNoField);
    sizeBy_->addItem(kNoField);
    for (const QString& f : data_->fields) {
        colourBy_->addItem(f);
        if (data_->isNumeric(f)) sizeBy_->addItem(f);
    }
    // The last colouring used, else the first of the fields that usually name groups of models.
    QString initial = kNoField;
    for (const QString& f : {previousColour, QStringLiteral("family"), QStringLiteral("corpus"),
                             QStringLiteral("model_type")}) {
        if (data_->fields.contains(f)) {
            initial = f;
            break;
        }
    }
    colourBy_->setCurrentText(initial);
    applyColouring();
    applySizes();

    auto* completer = new QCompleter(data_->ids, search_);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    search_->setCompleter(completer);

    setWindowTitle(QStringLiteral("LLMap — %1").arg(QFileInfo(data_->path).fileName()));
    statusLabel_->setText(tr("%1 models on the map (%2 in the project) × %3 texts · %4 · %5")
                              .arg(data_->ids.size())
                              .arg(data_->modelsInProject)
                              .arg(data_->texts.size())
                              .arg(tr("convention: %1").arg(data_->convention))
                              .arg(QDir::toNativeSeparators(data_->path)));
    statusBar()->clearMessage();
    rememberRecent(data_->path);
}

QString MainWindow::axisName(const QString& method) {
    if (method == QLatin1String("pca")) return QStringLiteral("PC");
    if (method == QLatin1String("mds")) return QStringLiteral("MDS");
    return QStringLiteral("t-SNE");
}

void MainWindow::changeLayout(const QString& method) {
    if (!data_ || method == data_->method) return;
    if (layouter_->isRunning()) layouter_->waitForFinished();
    layoutMethod_ = method;
    statusBar()->showMessage(
        tr("Computing the %1 map of %2 models…").arg(axisName(method)).arg(data_->ids.size()));
    // The worker gets its own copy of the geometry: the window may open another project meanwhile.
    auto snapshot = std::make_shared<ProjectData>();
    snapshot->rows = data_->rows;
    snapshot->clipThreshold = data_->clipThreshold;
    snapshot->centred = data_->centred;
    snapshot->xy = data_->xy;
    layouter_->setFuture(runInBackground([snapshot, method]() -> Eigen::MatrixXd {
        try {
            return computeLayout(*snapshot, method, &snapshot->xy);
        } catch (const std::exception&) {
            return Eigen::MatrixXd();
        }
    }));
}

void MainWindow::showClusters(const std::vector<int>& labels) {
    if (!data_ || labels.size() != static_cast<size_t>(data_->ids.size())) return;
    data_->clusters = labels;
    const QString field = QString::fromLatin1(ProjectData::kCluster);
    if (!data_->fields.contains(field)) {
        data_->fields << field;
        colourBy_->addItem(field);
    }
    if (colourBy_->currentText() == field) {
        applyColouring();
    } else {
        colourBy_->setCurrentText(field);
    }
    // The panel lists clusters in label order with the colours the map gives them.
    QVector<QColor> colours;
    const Colouring& c = map_->colouring();
    const int clusters = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
    for (int l = 0; l < clusters; ++l) {
        const int k = static_cast<int>(c.categories.indexOf(ProjectData::clusterName(l)));
        colours << (k >= 0 ? c.categoryColours[k] : missingColour());
    }
    clustersPanel_->setClusterColours(colours);
}

void MainWindow::updateProject(std::shared_ptr<const ProjectData> data) {
    if (!data || !data_ || data->path != data_->path) return;
    ProjectData next = *data;
    // Keep the map still: rotate the new layout onto the current one over the models both show.
    if (data_->xy.rows() >= 3 && next.xy.rows() >= 3) {
        ModelMap current, updated;
        current.rows = data_->rows;
        current.xy = data_->xy;
        updated.rows = next.rows;
        updated.xy = next.xy;
        if (alignMap(updated, current)) next.xy = updated.xy;
    }
    showProject(next);
}

bool MainWindow::createProject(const QString& path, const QString& texts,
                               const QString& convention) {
    try {
        if (QFileInfo::exists(path) && !QFile::remove(path)) {
            throw InputError("cannot replace the file", path.toStdString(), "choose another name");
        }
        QApplication::setOverrideCursor(Qt::WaitCursor);
        const TextSet set = loadTextSet(texts.toStdString());
        { Project::create(path.toStdString(), set, convention.toStdString()); }
        QApplication::restoreOverrideCursor();
    } catch (const Error& e) {
        QApplication::restoreOverrideCursor();
        showError(tr("Cannot create the project"), QString::fromStdString(e.message()));
        return false;
    }
    openProject(path);
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("libraryDock"))) dock->show();
    return true;
}

void MainWindow::saveProjectAsDialog() {
    if (!data_) return;
    if (scoring_->queue()->isRunning()) {
        showError(tr("Save As"),
                  tr("Models are being scored into this project: wait, pause or cancel first."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the project as"),
                                                      QFileInfo(data_->path).absolutePath(),
                                                      tr("LLMap projects (*.h5)"));
    if (!path.isEmpty()) saveProjectAs(path);
}

bool MainWindow::saveProjectAs(const QString& path) {
    if (!data_) return false;
    if (QFileInfo(path).absoluteFilePath() == QFileInfo(data_->path).absoluteFilePath())
        return true;
    const QString partial = path + QStringLiteral(".partial");
    QFile::remove(partial);
    if (!QFile::copy(data_->path, partial) || (QFileInfo::exists(path) && !QFile::remove(path)) ||
        !QFile::rename(partial, path)) {
        QFile::remove(partial);
        showError(tr("Save As"),
                  tr("%1: could not be written (check the folder and the free space)").arg(path));
        return false;
    }
    openProject(path);
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
    if (!data_) return;
    QVector<QVariant> values(data_->ids.size());
    QString field = colourBy_->currentText();
    bool numeric = false;
    if (chosenText_ >= 0) {
        field =
            tr("centred score on text %1")
                .arg(QString::fromStdString(data_->texts.ids[static_cast<size_t>(chosenText_)]));
        for (int i = 0; i < values.size(); ++i) values[i] = data_->centred(i, chosenText_);
        numeric = true;
    } else if (field != kNoField && !field.isEmpty()) {
        for (int i = 0; i < values.size(); ++i) values[i] = data_->value(i, field);
        numeric = data_->isNumeric(field);
        QSettings().setValue(QStringLiteral("map/colourBy"), field);
    } else {
        field.clear();
    }
    map_->setColouring(colourBy(field, values, numeric));
}

void MainWindow::applySizes() {
    if (!data_) return;
    const QString field = sizeBy_->currentText();
    QVector<QVariant> values;
    if (field != kNoField && !field.isEmpty()) {
        values.resize(data_->ids.size());
        for (int i = 0; i < values.size(); ++i) values[i] = data_->value(i, field);
        map_->setSizes(sizesBy(values));
    } else {
        map_->setSizes(QVector<double>(data_->ids.size(), 9.0));
    }
}

QList<int> MainWindow::selectionList() const {
    QList<int> list(map_->selection().begin(), map_->selection().end());
    std::sort(list.begin(), list.end());
    return list;
}

void MainWindow::searchModel(const QString& text) {
    if (!data_ || text.trimmed().isEmpty()) return;
    int found = static_cast<int>(data_->ids.indexOf(text.trimmed()));
    for (int i = 0; found < 0 && i < data_->ids.size(); ++i) {
        if (data_->ids[i].contains(text.trimmed(), Qt::CaseInsensitive)) found = i;
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
    if (!data_) return;
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
    if (!data_) return;
    QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"),
                                                what + QStringLiteral(".csv"), tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    try {
        std::vector<std::string> ids;
        for (const QString& id : data_->ids) ids.push_back(id.toStdString());
        std::string content;
        if (what == QLatin1String("coords")) {
            std::vector<std::string> metadata;
            for (const auto& m : data_->metadata) metadata.push_back(m.dump());
            content = coordinatesCsv(ids, data_->xy, metadata);
        } else if (what == QLatin1String("kl")) {
            content = squareMatrixCsv(ids, klNatsPerText(data_->centred), "kl_nats_per_text");
        } else {
            std::ostringstream csv;
            writeScoreCsv(csv, Project::open(data_->path.toStdString()));
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
    loader_->waitForFinished();
    layouter_->waitForFinished();
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    event->accept();
}

}  // namespace llmap::ui
