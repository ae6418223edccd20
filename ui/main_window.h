#pragma once
#include <QMainWindow>
#include <memory>

class QLabel;
class QTableWidget;

namespace llmap {
class Project;
}

namespace llmap::ui {

class MapView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a project and shows its map; on failure shows the reason, keeps what was open and
    // returns false.
    bool openProject(const QString& path);
    MapView* mapView() const { return map_; }
    QTableWidget* metadataTable() const { return metadata_; }

public Q_SLOTS:
    void openProjectDialog();
    void exportMapDialog();

private:
    void showModel(int pointIndex);
    void showError(const QString& title, const QString& message);

    MapView* map_ = nullptr;
    QTableWidget* metadata_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    std::unique_ptr<Project> project_;
    std::vector<size_t> pointRows_;  // project row of each map point
    bool quiet_ = false;
};

}  // namespace llmap::ui
