#include "texts_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "analysis/model_profile.h"
#include "project_data.h"

namespace llmap::ui {

void TextsModel::setProject(const ProjectData* data) {
    beginResetModel();
    data_ = data;
    variance_ = data ? textVariance(data->centred) : Eigen::VectorXd();
    separation_.resize(0);
    endResetModel();
}

void TextsModel::setPair(int a, int b) {
    beginResetModel();
    if (data_ && a >= 0 && b >= 0) {
        separation_ = (data_->centred.row(a) - data_->centred.row(b)).cwiseAbs().transpose();
    } else {
        separation_.resize(0);
    }
    endResetModel();
}

int TextsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !data_ ? 0 : static_cast<int>(data_->texts.size());
}

int TextsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TextsModel::data(const QModelIndex& index, int role) const {
    if (!data_ || !index.isValid()) return {};
    const auto i = static_cast<size_t>(index.row());
    if (role == Qt::UserRole) return index.row();
    if (role == Qt::ToolTipRole && index.column() == Text) {
        return QString::fromStdString(data_->texts.texts[i]).left(2000);
    }
    if (role == Qt::ToolTipRole && index.column() == Prompt && data_->texts.hasPrompts()) {
        return QString::fromStdString(data_->texts.prompts[i]).left(2000);
    }
    if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
    switch (index.column()) {
        case Id:
            return QString::fromStdString(data_->texts.ids[i]);
        case Source:
            return QString::fromStdString(data_->texts.sources[i]);
        case Bytes:
            return static_cast<qlonglong>(data_->texts.texts[i].size());
        case Variance:  // none before two models are scored
            return index.row() < variance_.size() ? QVariant(variance_(index.row())) : QVariant();
        case Separation:
            return separation_.size() ? QVariant(separation_(index.row())) : QVariant();
        case Prompt: {
            if (!data_->texts.hasPrompts()) return {};
            QString t = QString::fromStdString(data_->texts.prompts[i]).left(160);
            return t.replace(QLatin1Char('\n'), QLatin1Char(' '));
        }
        case Text: {
            QString t = QString::fromStdString(data_->texts.texts[i]).left(160);
            return t.replace(QLatin1Char('\n'), QLatin1Char(' '));
        }
        default:
            return {};
    }
}

QVariant TextsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Id:
            return tr("id");
        case Source:
            return tr("source");
        case Bytes:
            return tr("bytes");
        case Variance:
            return tr("variance across models");
        case Separation:
            return tr("separates the pair");
        case Prompt:
            return tr("prompt");
        case Text:
            return data_ && data_->texts.hasPrompts() ? tr("response") : tr("text");
        default:
            return {};
    }
}

TextsPanel::TextsPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter texts (words in the text, prompt or source)…"));
    filter_->setClearButtonEnabled(true);
    hint_ = new QLabel(tr("Select a text to colour the models by their score on it."), this);
    top->addWidget(filter_, 1);
    top->addWidget(hint_);
    layout->addLayout(top);
    model_ = new TextsModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(Qt::EditRole);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    view_ = new QTableView(this);
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->setWordWrap(false);
    layout->addWidget(view_);
    connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
    connect(
        view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex& current) {
            Q_EMIT textChosen(current.isValid() ? proxy_->data(current, Qt::UserRole).toInt() : -1);
        });
}

void TextsPanel::setData(const ProjectData* data) {
    model_->setProject(data);
    view_->setColumnHidden(TextsModel::Separation, true);
    view_->setColumnHidden(TextsModel::Prompt, !data || !data->texts.hasPrompts());
    view_->sortByColumn(TextsModel::Variance, Qt::DescendingOrder);
    view_->resizeColumnsToContents();
}

void TextsPanel::showSelection(const QList<int>& models) {
    const bool pair = models.size() == 2;
    model_->setPair(pair ? models[0] : -1, pair ? models[1] : -1);
    view_->setColumnHidden(TextsModel::Separation, !pair);
    view_->sortByColumn(pair ? TextsModel::Separation : TextsModel::Variance, Qt::DescendingOrder);
}

}  // namespace llmap::ui
