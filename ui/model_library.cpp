#include "model_library.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "background_task.h"
#include "model/hf_cache.h"
#include "model/model_info.h"
#include "util/error.h"

namespace llmap::ui {

struct ModelLibrary::Entry {
    QString id;
    QString path;
    bool ok = false;
    ModelInfo info;
    QString error;
};

namespace {

// "id=path" or a bare path (the id is then the folder's name).
std::pair<QString, QString> splitSpec(const QString& spec) {
    const int eq = static_cast<int>(spec.indexOf(QLatin1Char('=')));
    if (eq > 0 && !QFileInfo::exists(spec)) return {spec.left(eq), spec.mid(eq + 1)};
    const QFileInfo file(spec);
    // A GGUF file's id is its name without .gguf, as llmap-cli score names it.
    if (file.suffix().compare(QStringLiteral("gguf"), Qt::CaseInsensitive) == 0 && !file.isDir())
        return {file.completeBaseName(), spec};
    return {file.fileName(), spec};
}

QString humanCount(int64_t n) {
    if (n >= 1000000000) return QString::number(n / 1e9, 'f', 2) + QStringLiteral(" B");
    if (n >= 1000000) return QString::number(n / 1e6, 'f', 1) + QStringLiteral(" M");
    return QLocale().toString(static_cast<qlonglong>(n));
}

}  // namespace

ModelLibrary::ModelLibrary(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* buttons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add Folder…"), this);
    auto* addGguf = new QPushButton(tr("Add GGUF…"), this);
    auto* cache = new QPushButton(tr("Find in Hugging Face Cache"), this);
    auto* remove = new QPushButton(tr("Remove"), this);
    buttons->addWidget(add);
    buttons->addWidget(addGguf);
    buttons->addWidget(cache);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter models…"));
    filter_->setClearButtonEnabled(true);
    layout->addWidget(filter_);
    layout->addWidget(
        new QLabel(tr("Drop model folders or .gguf files on the window to add them."), this));

    model_ = new QStandardItemModel(0, ColumnCount, this);
    model_->setHorizontalHeaderLabels({tr("Model"), tr("Type"), tr("Parameters"), tr("Dtype"),
                                       tr("Context"), tr("Status"), tr("Folder")});
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy_->setSortRole(Qt::UserRole + 1);
    view_ = new QTableView(this);
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(view_, 1);

    connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
    connect(add, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Add a model folder"));
        if (!folder.isEmpty()) addFolders({folder});
    });
    connect(addGguf, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(
            this, tr("Add GGUF model files"), QString(), tr("GGUF models (*.gguf)"));
        if (!files.isEmpty()) addFolders(files);
    });
    connect(cache, &QPushButton::clicked, this, [this] { addHuggingFaceCache(); });
    connect(remove, &QPushButton::clicked, this, [this] {
        QList<int> rows;
        for (const QModelIndex& i : view_->selectionModel()->selectedRows())
            rows << proxy_->mapToSource(i).row();
        std::sort(rows.begin(), rows.end(), std::greater<int>());
        for (int r : rows) model_->removeRow(r);
        save();
    });

    reader_ = new QFutureWatcher<QList<Entry>>(this);
    connect(reader_, &QFutureWatcher<QList<Entry>>::finished, this, [this] {
        releaseRetiredJobs();  // orders the pool thread's finish before the read (result_ready.h)
        appendRows(reader_->result());
        if (!pending_.isEmpty()) {
            const QStringList next = pending_;
            pending_.clear();
            addFolders(next);
            return;
        }
        save();
        Q_EMIT foldersRead();
    });
    const QStringList saved = QSettings().value(QStringLiteral("library/folders")).toStringList();
    if (!saved.isEmpty()) addFolders(saved);
}

ModelLibrary::~ModelLibrary() {
    reader_->waitForFinished();
}

int ModelLibrary::rowOf(const QString& path) const {
    const QString clean = QDir::cleanPath(path);
    for (int r = 0; r < model_->rowCount(); ++r) {
        if (model_->item(r, Path)->text() == clean) return r;
    }
    return -1;
}

int ModelLibrary::rowOfId(const QString& id) const {
    for (int r = 0; r < model_->rowCount(); ++r) {
        if (model_->item(r, Id)->text() == id) return r;
    }
    return -1;
}

void ModelLibrary::setStatus(int row, const QString& status) {
    QStandardItem* item = model_->item(row, Status);
    item->setText(status);
    item->setToolTip(status);
    item->setForeground(status.startsWith(tr("failed")) ? QColor(180, 30, 30) : QColor(Qt::black));
}

void ModelLibrary::addFolders(const QStringList& folders) {
    if (reader_->isRunning()) {
        pending_ << folders;
        return;
    }
    QList<std::pair<QString, QString>> todo;
    for (const QString& spec : folders) {
        auto [id, path] = splitSpec(spec);
        path = QDir::cleanPath(path);
        if (rowOf(path) >= 0) continue;
        bool queued = false;
        for (const auto& t : todo) queued = queued || t.second == path;
        if (!queued) todo.append({id, path});
    }
    if (todo.isEmpty()) {
        Q_EMIT foldersRead();
        return;
    }
    reader_->setFuture(runInBackground([todo]() {
        QList<Entry> out;
        for (const auto& [id, path] : todo) {
            Entry e;
            e.id = id;
            e.path = path;
            try {
                e.info = readModelInfo(path.toStdString());
                e.ok = true;
            } catch (const Error& err) {
                e.error = QString::fromStdString(err.message());
            } catch (const std::exception& err) {
                e.error = path + QStringLiteral(": ") + QString::fromUtf8(err.what());
            }
            out.append(e);
        }
        return out;
    }));
}

int ModelLibrary::addHuggingFaceCache(const QString& hub) {
    const std::string folder = hub.isEmpty() ? defaultHuggingFaceHub() : hub.toStdString();
    QStringList specs;
    for (const CachedModel& m : findCachedModels(folder)) {
        specs << QString::fromStdString(m.id) + QLatin1Char('=') + QString::fromStdString(m.path);
    }
    if (!specs.isEmpty()) addFolders(specs);
    return static_cast<int>(specs.size());
}

void ModelLibrary::appendRows(const QList<Entry>& entries) {
    for (const Entry& e : entries) {
        QList<QStandardItem*> row;
        auto cell = [&row](const QString& text, const QVariant& sortKey = QVariant()) {
            auto* item = new QStandardItem(text);
            item->setData(sortKey.isValid() ? sortKey : QVariant(text), Qt::UserRole + 1);
            row << item;
        };
        const ModelInfo& i = e.info;
        cell(e.id);
        cell(e.ok ? QString::fromStdString(i.modelType) : QString());
        cell(e.ok ? humanCount(i.parameters) : QString(), static_cast<qlonglong>(i.parameters));
        // GGUF files show their quantisation in the dtype column ("Q4_1, 5.74 bpw").
        cell(!e.ok                    ? QString()
             : i.quantisation.empty() ? QString::fromStdString(i.torchDtype)
                                      : tr("%1, %2 bpw")
                                            .arg(QString::fromStdString(i.quantisation))
                                            .arg(i.bitsPerWeight, 0, 'f', 2));
        cell(e.ok ? QString::number(i.contextLength) : QString(),
             static_cast<qlonglong>(i.contextLength));
        const QString status = !e.ok                    ? tr("failed: %1").arg(e.error)
                               : scored_.contains(e.id) ? tr("scored")
                                                        : tr("new");
        cell(status);
        row.last()->setToolTip(status);
        if (!e.ok) row.last()->setForeground(QColor(180, 30, 30));
        cell(e.path);
        row.first()->setData(e.ok ? QString::fromStdString(i.toJson()) : QString(),
                             Qt::UserRole + 2);
        model_->appendRow(row);
    }
    view_->resizeColumnsToContents();
}

void ModelLibrary::setScoredIds(const QStringList& ids) {
    scored_ = ids;
    for (int r = 0; r < model_->rowCount(); ++r) {
        QStandardItem* status = model_->item(r, Status);
        // Queued, running and failed models keep what the scoring run says about them.
        if (status->text() != tr("new") && status->text() != tr("scored")) continue;
        status->setText(scored_.contains(model_->item(r, Id)->text()) ? tr("scored") : tr("new"));
    }
}

void ModelLibrary::save() const {
    QStringList specs;
    for (int r = 0; r < model_->rowCount(); ++r) {
        specs << model_->item(r, Id)->text() + QLatin1Char('=') + model_->item(r, Path)->text();
    }
    QSettings().setValue(QStringLiteral("library/folders"), specs);
}

}  // namespace llmap::ui
