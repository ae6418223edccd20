#pragma once
#include <QFutureWatcher>
#include <QMainWindow>
#include <memory>

#include "project_data.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;

namespace llmap::ui {

class MapView;
class ClustersPanel;
class ModelLibrary;
class ScoringPanel;
class ModelPanel;
class TextsPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a project off the UI thread; projectOpened reports the outcome. On failure the reason
    // is shown and what was open stays open.
    void openProject(const QString& path);
    const ProjectData* projectData() const { return data_.get(); }

    MapView* mapView() const { return map_; }
    ModelPanel* modelPanel() const { return modelPanel_; }
    TextsPanel* textsPanel() const { return textsPanel_; }
    ClustersPanel* clustersPanel() const { return clustersPanel_; }
    ModelLibrary* modelLibrary() const { return library_; }
    ScoringPanel* scoringPanel() const { return scoring_; }
    // Creates a project for `texts` (a JSONL/CSV/TXT text set, gzip allowed) and opens it.
    bool createProject(const QString& path, const QString& texts, const QString& convention);
    // Copies the open project to `path` and opens the copy.
    bool saveProjectAs(const QString& path);
    QComboBox* colourByBox() const { return colourBy_; }
    QComboBox* sizeByBox() const { return sizeBy_; }
    QComboBox* methodBox() const { return method_; }
    QLineEdit* searchBox() const { return search_; }

public Q_SLOTS:
    void openProjectDialog();
    void newProjectDialog();
    void saveProjectAsDialog();
    void exportMapDialog();
    void exportCsvDialog(const QString& what);
    void searchModel(const QString& text);
    void labelSelection();

Q_SIGNALS:
    void projectOpened(bool ok, const QString& message);
    void layoutChanged(const QString& method);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    void createToolBar();
    void showProject(const ProjectData& data);
    void updateProject(std::shared_ptr<const ProjectData> data);
    void applyColouring();
    void applySizes();
    void showClusters(const std::vector<int>& labels);
    void changeLayout(const QString& method);
    static QString axisName(const QString& method);
    void showError(const QString& title, const QString& message);
    void rememberRecent(const QString& path);
    void updateRecentMenu();
    QList<int> selectionList() const;

    MapView* map_ = nullptr;
    ModelPanel* modelPanel_ = nullptr;
    TextsPanel* textsPanel_ = nullptr;
    ClustersPanel* clustersPanel_ = nullptr;
    ModelLibrary* library_ = nullptr;
    ScoringPanel* scoring_ = nullptr;
    QComboBox* colourBy_ = nullptr;
    QComboBox* sizeBy_ = nullptr;
    QComboBox* method_ = nullptr;
    QLineEdit* search_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QAction* keepAspect_ = nullptr;
    struct LoadResult {
        std::shared_ptr<ProjectData> data;
        QString error;
    };
    std::unique_ptr<ProjectData> data_;
    QFutureWatcher<LoadResult>* loader_ = nullptr;
    QString loadingPath_;
    QFutureWatcher<Eigen::MatrixXd>* layouter_ = nullptr;
    QString layoutMethod_;
    int chosenText_ = -1;
};

}  // namespace llmap::ui
