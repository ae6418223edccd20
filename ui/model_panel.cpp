#include "model_panel.h"

#include <qwt_column_symbol.h>
#include <qwt_plot.h>
#include <qwt_plot_barchart.h>
#include <qwt_plot_grid.h>
#include <qwt_scale_draw.h>
#include <qwt_text.h>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "analysis/kl.h"
#include "analysis/model_profile.h"
#include "category_scale_draw.h"
#include "model_fields.h"
#include "project_data.h"

namespace llmap::ui {

namespace {

QTableWidget* makeTable(const QStringList& headers, QWidget* parent) {
    auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->horizontalHeader()->setStretchLastSection(true);
    t->verticalHeader()->hide();
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setWordWrap(false);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    return t;
}

}  // namespace

ModelPanel::ModelPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    title_ =
        new QLabel(tr("Click a model on the map, or drag with Shift (rectangle) or Ctrl (lasso) "
                      "to select several."));
    title_->setWordWrap(true);
    layout->addWidget(title_);
    interpolate_ = new QPushButton(tr("Interpolate…"), this);
    interpolate_->setToolTip(
        tr("Write models between the two selected ones, (1 - α)·A + α·B, score them and draw "
           "their path on the map (two checkpoints of one architecture)"));
    interpolate_->hide();
    checkKl_ = new QPushButton(tr("Check KL by Sampling…"), this);
    checkKl_->setToolTip(
        tr("Draw texts from the first model and score them under both: the Monte-Carlo KL "
           "divergence, next to the map's estimate"));
    checkKl_->hide();
    auto* pairButtons = new QHBoxLayout;
    pairButtons->addWidget(interpolate_);
    pairButtons->addWidget(checkKl_);
    pairButtons->addStretch(1);
    layout->addLayout(pairButtons);
    connect(interpolate_, &QPushButton::clicked, this, [this] {
        if (selection_.size() == 2) Q_EMIT interpolateRequested(selection_[0], selection_[1]);
    });
    connect(checkKl_, &QPushButton::clicked, this, [this] {
        if (selection_.size() == 2) Q_EMIT checkKlRequested(selection_[0], selection_[1]);
    });
    fields_ = makeTable({tr("Field"), tr("Value")}, this);
    layout->addWidget(fields_, 3);
    layout->addWidget(new QLabel(tr("Nearest models (KL divergence)")));
    neighbours_ = makeTable({tr("Model"), tr("nats/text"), tr("bits/byte")}, this);
    layout->addWidget(neighbours_, 2);
    connect(neighbours_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        bool ok = false;
        int model = neighbours_->item(row, 0)->data(Qt::UserRole).toInt(&ok);
        if (ok) Q_EMIT modelActivated(model);
    });
    sourcePlot_ = new QwtPlot(this);
    QwtText plotTitle(tr("Relative strength per text source (nats/text, centred)"));
    QFont titleFont = plotTitle.font();
    titleFont.setPointSizeF(9.5);
    titleFont.setBold(true);
    plotTitle.setFont(titleFont);
    sourcePlot_->setTitle(plotTitle);
    sourcePlot_->setCanvasBackground(Qt::white);
    sourcePlot_->setMinimumHeight(180);
    auto* grid = new QwtPlotGrid;
    grid->enableX(false);
    grid->setMajorPen(QColor(225, 225, 225), 0, Qt::SolidLine);
    grid->attach(sourcePlot_);
    sourceBars_ = new QwtPlotBarChart;
    auto* symbol = new QwtColumnSymbol(QwtColumnSymbol::Box);
    symbol->setPalette(QPalette(QColor(0, 114, 178)));
    symbol->setLineWidth(0);
    sourceBars_->setSymbol(symbol);
    sourceBars_->attach(sourcePlot_);
    layout->addWidget(sourcePlot_, 2);
    sourcePlot_->hide();  // until a model is selected: no empty axes
}

void ModelPanel::setData(const ProjectData* data) {
    data_ = data;
    showSelection({});
}

void ModelPanel::addField(const QString& name, const QString& value, const QString& tooltip) {
    int r = fields_->rowCount();
    fields_->insertRow(r);
    fields_->setItem(r, 0, new QTableWidgetItem(name));
    auto* item = new QTableWidgetItem(value);
    item->setToolTip(tooltip.isEmpty() ? value : tooltip);
    fields_->setItem(r, 1, item);
}

void ModelPanel::showSelection(const QList<int>& models) {
    selection_ = models;
    interpolate_->setVisible(data_ && models.size() == 2);
    checkKl_->setVisible(data_ && models.size() == 2);
    fields_->setRowCount(0);
    neighbours_->setRowCount(0);
    sourceBars_->setSamples(QVector<double>());
    sourcePlot_->hide();
    if (!data_ || models.isEmpty()) {
        title_->setText(
            tr("Click a model on the map, or drag with Shift (rectangle) or Ctrl (lasso) "
               "to select several."));
        return;
    }
    if (models.size() == 1) {
        showOne(models.first());
        return;
    }
    title_->setText(tr("%1 models selected").arg(models.size()));
    for (int m : models) {
        QString text = data_->ids[m];
        if (models.size() == 2) {
            int other = models.first() == m ? models.last() : models.first();
            const double kl = klNatsPerText(data_->centred, m, other);
            text = tr("%1 (KL to the other: %2 nats/text)").arg(text).arg(kl, 0, 'g', 4);
        }
        addField(tr("model"), text);
    }
}

void ModelPanel::showOne(int model) {
    const ProjectData& d = *data_;
    title_->setText(QStringLiteral("<b>%1</b>").arg(d.ids[model].toHtmlEscaped()));
    for (const ModelField& f : modelFields(d, model)) addField(f.name, f.value, f.tooltip);

    const double bitsPerNat = 1.0 / (d.texts.meanBytes() * std::log(2.0));
    for (const Neighbour& nb : nearestNeighbours(d.centred, static_cast<size_t>(model), 10)) {
        int r = neighbours_->rowCount();
        neighbours_->insertRow(r);
        auto* name = new QTableWidgetItem(d.ids[static_cast<int>(nb.index)]);
        name->setData(Qt::UserRole, static_cast<int>(nb.index));
        neighbours_->setItem(r, 0, name);
        neighbours_->setItem(r, 1, new QTableWidgetItem(QString::number(nb.klNatsPerText, 'g', 4)));
        neighbours_->setItem(
            r, 2, new QTableWidgetItem(QString::number(nb.klNatsPerText * bitsPerNat, 'g', 4)));
    }

    QVector<double> strengths;
    QStringList names;
    for (size_t s = 0; s < d.sources.sources.size(); ++s) {
        strengths << d.sources.meanCentred(model, static_cast<Eigen::Index>(s));
        names << QString::fromStdString(d.sources.sources[s]);
    }
    sourceBars_->setSamples(strengths);
    sourcePlot_->setAxisScaleDraw(QwtPlot::xBottom, new CategoryScaleDraw(names, -35));
    sourcePlot_->setAxisScale(QwtPlot::xBottom, -0.5, names.size() - 0.5, 1.0);
    sourcePlot_->setAxisMaxMinor(QwtPlot::xBottom, 0);
    sourcePlot_->show();
    sourcePlot_->replot();
}

}  // namespace llmap::ui
