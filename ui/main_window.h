#pragma once
// The window: the map, its toolbar and menus, the panels, and a welcome page while no project is
// open. It shows the state of a ProjectSession, which owns the open project and its jobs.
#include <QMainWindow>
#include <memory>
#include <vector>

#include "project_data.h"
#include "project_session.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;

namespace llmap::ui {

class MapView;
class ClustersPanel;
class ModelLibrary;
class ScoringPanel;
class KlCheck;
class ModelPanel;
class TextsPanel;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a project off the UI thread; projectOpened reports the outcome. On failure the reason
    // is shown and what was open stays open.
    void openProject(const QString& path);
    const ProjectData* projectData() const { return session_->data(); }
    ProjectSession* session() const { return session_; }

    MapView* mapView() const { return map_; }
    ModelPanel* modelPanel() const { return modelPanel_; }
    TextsPanel* textsPanel() const { return textsPanel_; }
    ClustersPanel* clustersPanel() const { return clustersPanel_; }
    ModelLibrary* modelLibrary() const { return library_; }
    ScoringPanel* scoringPanel() const { return scoring_; }
    WelcomePage* welcomePage() const { return welcome_; }
    // Creates a project for `texts` (a JSONL/CSV/TXT text set, gzip allowed) in the background
    // and opens it; projectOpened reports the outcome. False when another file job is running.
    bool createProject(const QString& path, const QString& texts, const QString& convention);
    // Copies the open project to `path` in the background and opens the copy; projectOpened
    // reports the outcome. False when no project is open or another file job is running.
    bool saveProjectAs(const QString& path);
    QComboBox* colourByBox() const { return colourBy_; }
    QComboBox* sizeByBox() const { return sizeBy_; }
    QComboBox* methodBox() const { return method_; }
    QComboBox* matrixBox() const { return matrix_; }
    QLineEdit* searchBox() const { return search_; }

public Q_SLOTS:
    void openProjectDialog();
    void newProjectDialog();
    void saveProjectAsDialog();
    void exportMapDialog();
    void exportCsvDialog(const QString& what);
    // Interpolate… for models `a` and `b` of the map: asks for the alphas and the output folder,
    // writes the models in the background, adds them to the Model Library and scores them.
    void interpolateDialog(int a, int b);
    // The same without asking (what the dialog runs).
    void interpolate(int a, int b, const std::vector<double>& alphas, const QString& outDir);
    // Check KL by Sampling… for models `a` and `b`: asks for the number of samples, then runs
    // checkKl with a progress dialog that can cancel.
    void checkKlDialog(int a, int b);
    // KL(a || b) from `samples` sequences of at most `maxTokens` tokens drawn from `a` (seed 42)
    // in the background; klChecked reports it with the map's estimate.
    bool checkKl(int a, int b, int samples, int maxTokens = 256);
    void searchModel(const QString& text);
    void labelSelection();

Q_SIGNALS:
    void projectOpened(bool ok, const QString& message);
    void layoutChanged(const QString& method);
    void interpolationFailed(const QString& message);
    // The report of a KL check (also "cancelled" or the failure), as the window shows it.
    void klChecked(bool ok, const QString& report);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void createToolBar();
    void connectSession();
    void showProject();
    void showLayout();
    void showFailure(ProjectSession::Job job, const QString& message);
    void applyColouring();
    void applySizes();
    void showClusters(std::shared_ptr<const ClusterResult> result);
    void changeLayout(const QString& method);
    void showMethod(const QString& method);
    bool refuseWhileBusy();
    static QString axisName(const QString& method);
    void showError(const QString& title, const QString& message);
    void rememberRecent(const QString& path);
    void updateRecentMenu();
    QList<int> selectionList() const;

    ProjectSession* session_ = nullptr;
    MapView* map_ = nullptr;
    WelcomePage* welcome_ = nullptr;
    ModelPanel* modelPanel_ = nullptr;
    TextsPanel* textsPanel_ = nullptr;
    ClustersPanel* clustersPanel_ = nullptr;
    ModelLibrary* library_ = nullptr;
    ScoringPanel* scoring_ = nullptr;
    QComboBox* colourBy_ = nullptr;
    QComboBox* sizeBy_ = nullptr;
    QComboBox* method_ = nullptr;
    QComboBox* matrix_ = nullptr;  // shown for prompt-response projects scored with PMI
    QAction* matrixLabel_ = nullptr;
    QAction* matrixAction_ = nullptr;
    QLineEdit* search_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QAction* keepAspect_ = nullptr;
    int chosenText_ = -1;
    QStringList toScore_;
    KlCheck* klCheck_ =
        nullptr;  // interpolated folders to score once the Model Library has read them
};

}  // namespace llmap::ui
