#include "welcome_page.h"

#include <QApplication>
#include <QCommandLinkButton>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace llmap::ui {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("welcomePage"));
    setAutoFillBackground(true);  // it lies over the empty map
    auto* outer = new QHBoxLayout(this);
    auto* column = new QVBoxLayout;
    outer->addStretch(1);
    outer->addLayout(column, 3);
    outer->addStretch(1);
    column->addStretch(1);

    auto* heading = new QHBoxLayout;
    const QIcon icon = QApplication::windowIcon();
    if (!icon.isNull()) {
        auto* logo = new QLabel(this);
        logo->setPixmap(icon.pixmap(64, 64));
        heading->addWidget(logo);
    }
    auto* title = new QLabel(tr("Welcome to LLMap"), this);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.8);
    big.setBold(true);
    title->setFont(big);
    heading->addWidget(title, 1);
    column->addLayout(heading);

    auto* about = new QLabel(
        tr("LLMap maps language models by what they do. Every model is scored on the same set of "
           "texts; models that find the same texts likely lie close together, and the distance "
           "between two models approximates the KL divergence between them."),
        this);
    about->setWordWrap(true);
    column->addWidget(about);
    column->addSpacing(12);

    auto* actions = new QHBoxLayout;
    auto addButton = [&](const QString& name, const QString& text, const QString& tip,
                         void (WelcomePage::*signal)()) {
        auto* b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setToolTip(tip);
        b->setMinimumHeight(b->sizeHint().height() * 3 / 2);
        connect(b, &QPushButton::clicked, this, signal);
        actions->addWidget(b);
        return b;
    };
    addButton(QStringLiteral("openDemo"), tr("Open the Demo Project"),
              tr("Small models trained by LLMap, and SmolLM2 with its quantised copies, scored on "
                 "1,000 texts"),
              &WelcomePage::demoRequested)
        ->setDefault(true);
    addButton(QStringLiteral("newProject"), tr("New Project…"),
              tr("A project on a text set, to score models into"),
              &WelcomePage::newProjectRequested);
    addButton(QStringLiteral("openProject"), tr("Open Project…"), tr("An LLMap project file (.h5)"),
              &WelcomePage::openRequested);
    column->addLayout(actions);
    column->addSpacing(18);

    auto* recentTitle = new QLabel(tr("<b>Recent projects</b>"), this);
    column->addWidget(recentTitle);
    recentBox_ = new QVBoxLayout;
    recentBox_->setSpacing(0);
    column->addLayout(recentBox_);
    noRecent_ = new QLabel(tr("None yet: the projects you open are listed here."), this);
    noRecent_->setEnabled(false);
    column->addWidget(noRecent_);
    column->addStretch(2);
}

void WelcomePage::setRecent(const QStringList& paths) {
    for (QAbstractButton* b : recent_) delete b;
    recent_.clear();
    for (const QString& path : paths) {
        const QFileInfo info(path);
        const bool there = info.isFile();
        auto* b = new QCommandLinkButton(
            info.fileName(),
            there ? QDir::toNativeSeparators(info.absolutePath())
                  : tr("%1 — not found").arg(QDir::toNativeSeparators(info.absolutePath())),
            this);
        b->setToolTip(QDir::toNativeSeparators(path));
        b->setEnabled(there);
        connect(b, &QCommandLinkButton::clicked, this, [this, path] { Q_EMIT recentChosen(path); });
        recentBox_->addWidget(b);
        recent_ << b;
    }
    noRecent_->setVisible(paths.isEmpty());
}

}  // namespace llmap::ui
