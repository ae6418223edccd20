// llmap: the desktop application.
#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QFileInfo>
#include <QIcon>
#include <QSettings>
#include <QTimer>
#include <iostream>

#include "data_dir.h"
#include "main_window.h"
#include "map_view.h"
#include "util/version.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("LLMap"));
    QApplication::setOrganizationName(QStringLiteral("LLMap"));
    QApplication::setApplicationVersion(QStringLiteral(LLMAP_VERSION));
    // The desktop entry's name (without .desktop): lets the desktop match windows to the entry.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.llmap.LLMap"));
    QIcon icon = QIcon::fromTheme(QStringLiteral("io.github.llmap.LLMap"));
    if (icon.isNull()) {
        for (const int size : {16, 22, 24, 32, 48, 64, 128, 256})
            icon.addFile(QStringLiteral(":/icons/png/%1.png").arg(size), QSize(size, size));
    }
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Maps of language models from log-likelihood vectors"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("project"),
        QStringLiteral("An LLMap project file (.llmap.h5 or .h5) to open; without one, the "
                       "last project opened is reopened."));
    QCommandLineOption demo(QStringLiteral("demo"),
                            QStringLiteral("Open the demo project (a copy in the user's data "
                                           "folder, made the first time)."));
    QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a picture of the window to <file> and quit (without a project: the "
                       "welcome page)."),
        QStringLiteral("file"));
    QCommandLineOption exportMap(
        QStringLiteral("export"),
        QStringLiteral("Export the map to <file> (.png, .svg, .pdf) and quit."),
        QStringLiteral("file"));
    QCommandLineOption colourBy(
        QStringLiteral("colour-by"),
        QStringLiteral("Colour the models by <field> (a metadata field, ...)."),
        QStringLiteral("field"));
    QCommandLineOption method(QStringLiteral("method"),
                              QStringLiteral("Map layout: pca, mds or tsne."),
                              QStringLiteral("method"));
    QCommandLineOption select(QStringLiteral("select"),
                              QStringLiteral("Select the model <id> (its details show in the "
                                             "Model panel)."),
                              QStringLiteral("id"));
    QCommandLineOption matrix(QStringLiteral("matrix"),
                              QStringLiteral("Map the matrix <name>: loglik, or pmi for a "
                                             "prompt-response project scored with PMI."),
                              QStringLiteral("name"));
    QCommandLineOption panel(QStringLiteral("panel"),
                             QStringLiteral("Show the panel <name> (texts, library); may be "
                                            "repeated."),
                             QStringLiteral("name"));
    parser.addOption(demo);
    parser.addOption(matrix);
    parser.addOption(panel);
    parser.addOption(colourBy);
    parser.addOption(method);
    parser.addOption(screenshot);
    parser.addOption(exportMap);
    parser.addOption(select);
    parser.process(app);

    llmap::ui::MainWindow window;
    for (const QString& name : parser.values(panel)) {
        auto* dock = window.findChild<QDockWidget*>(name + QStringLiteral("Dock"));
        if (!dock) {
            std::cerr << "llmap: --panel must be texts or library\n";
            return 2;
        }
        dock->show();
    }
    if (parser.isSet(matrix)) {
        const int i = window.matrixBox()->findData(parser.value(matrix));
        if (i < 0) {
            std::cerr << "llmap: --matrix must be loglik or pmi\n";
            return 2;
        }
        window.matrixBox()->setCurrentIndex(i);
    }
    QString project =
        parser.isSet(demo) ? llmap::ui::demoProject() : parser.positionalArguments().value(0);
    if (project.isEmpty()) {
        const QStringList recent =
            QSettings().value(QStringLiteral("recentProjects")).toStringList();
        if (!recent.isEmpty() && QFileInfo::exists(recent.first())) project = recent.first();
    }
    const bool batch = parser.isSet(exportMap) || parser.isSet(screenshot);
    if (parser.isSet(exportMap) && project.isEmpty()) {
        std::cerr << "llmap: --export needs a project file\n";
        return 2;
    }
    // Once the map stands as asked: export and/or take a picture, then quit.
    auto finish = [&] {
        if (parser.isSet(exportMap)) {
            const bool written = window.mapView()->exportFigure(parser.value(exportMap));
            if (!written) {
                std::cerr << "llmap: cannot write " << parser.value(exportMap).toStdString()
                          << "\n";
            }
            if (!parser.isSet(screenshot)) QApplication::exit(written ? 0 : 1);
        }
        if (parser.isSet(screenshot)) {
            QTimer::singleShot(600, &window, [&] {
                QApplication::exit(window.grab().save(parser.value(screenshot)) ? 0 : 1);
            });
        }
    };
    QObject::connect(&window, &llmap::ui::MainWindow::layoutChanged, &window, [&](const QString&) {
        if (batch) finish();
    });
    QObject::connect(
        &window, &llmap::ui::MainWindow::projectOpened, &window,
        [&](bool ok, const QString& message) {
            if (!ok) {
                std::cerr << "llmap: " << message.toStdString() << "\n";
                if (batch) QApplication::exit(2);
                return;
            }
            if (parser.isSet(colourBy)) {
                window.colourByBox()->setCurrentText(parser.value(colourBy));
            }
            if (parser.isSet(select)) {
                const int i =
                    static_cast<int>(window.projectData()->ids.indexOf(parser.value(select)));
                if (i < 0) {
                    std::cerr << "llmap: --select: the project has no model \""
                              << parser.value(select).toStdString() << "\"\n";
                } else {
                    window.mapView()->setSelection({i});
                }
            }
            const int m = window.methodBox()->findData(parser.value(method));
            if (parser.isSet(method) && m >= 0 && m != window.methodBox()->currentIndex()) {
                window.methodBox()->setCurrentIndex(m);  // finish() on layoutChanged
                return;
            }
            if (batch) finish();
        });
    window.show();
    if (!project.isEmpty()) {
        window.openProject(project);
    } else if (batch) {
        finish();  // --screenshot alone: the welcome page
    }
    return app.exec();
}
