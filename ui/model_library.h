#pragma once
// The models a user wants on the map: folders added by dialog, by drag and drop or found in the
// Hugging Face cache, with what their config and weight headers say (read off the UI thread) and
// their status. A folder that cannot be read stays listed with the reason.
#include <QFutureWatcher>
#include <QStandardItemModel>
#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace llmap::ui {

class ModelLibrary : public QWidget {
    Q_OBJECT
public:
    enum Column { Id, Type, Parameters, Dtype, Context, Status, Path, ColumnCount };

    explicit ModelLibrary(QWidget* parent = nullptr);
    ~ModelLibrary() override;

    // Adds folders (ids from their names, or given as "id=path"); folders already listed are
    // skipped. Reading happens in the background; foldersRead reports the end.
    void addFolders(const QStringList& folders);
    // Adds every model of the Hugging Face cache (`hub`, or the default cache when empty) and
    // returns how many were found.
    int addHuggingFaceCache(const QString& hub = QString());
    // Marks the models the open project holds as "scored".
    void setScoredIds(const QStringList& ids);

    QStandardItemModel* model() const { return model_; }
    QTableView* view() const { return view_; }
    int rowOf(const QString& path) const;
    int rowOfId(const QString& id) const;
    void setStatus(int row, const QString& status);

Q_SIGNALS:
    void foldersRead();

private:
    struct Entry;
    void appendRows(const QList<Entry>& entries);
    void save() const;

    QStandardItemModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* view_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QFutureWatcher<QList<Entry>>* reader_ = nullptr;
    QStringList pending_;
    QStringList scored_;
};

}  // namespace llmap::ui
