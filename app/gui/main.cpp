// llmap: the desktop application.
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>
#include <iostream>

#include "main_window.h"
#include "map_view.h"
#include "util/version.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("LLMap"));
    QApplication::setOrganizationName(QStringLiteral("LLMap"));
    QApplication::setApplicationVersion(QStringLiteral(LLMAP_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Maps of language models from log-likelihood vectors"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("project"),
        QStringLiteral("An LLMap project file (.h5) to open; without one, the "
                       "last project opened is reopened."));
    QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a picture of the window to <file> and quit."), QStringLiteral("file"));
    QCommandLineOption exportMap(
        QStringLiteral("export"),
        QStringLiteral("Export the map to <file> (.png, .svg, .pdf) and quit."),
        QStringLiteral("file"));
    parser.addOption(screenshot);
    parser.addOption(exportMap);
    parser.process(app);

    llmap::ui::MainWindow window;
    QString project = parser.positionalArguments().value(0);
    if (project.isEmpty()) {
        const QStringList recent =
            QSettings().value(QStringLiteral("recentProjects")).toStringList();
        if (!recent.isEmpty() && QFileInfo::exists(recent.first())) project = recent.first();
    }
    const bool batch = parser.isSet(exportMap) || parser.isSet(screenshot);
    if (batch) {
        QObject::connect(
            &window, &llmap::ui::MainWindow::projectOpened, &window,
            [&](bool ok, const QString& message) {
                if (!ok) {
                    std::cerr << "llmap: " << message.toStdString() << "\n";
                    QApplication::exit(2);
                    return;
                }
                if (parser.isSet(exportMap)) {
                    const bool written = window.mapView()->exportFigure(parser.value(exportMap));
                    if (!written)
                        std::cerr << "llmap: cannot write " << parser.value(exportMap).toStdString()
                                  << "\n";
                    if (!parser.isSet(screenshot)) QApplication::exit(written ? 0 : 1);
                }
                if (parser.isSet(screenshot)) {
                    QTimer::singleShot(600, &window, [&] {
                        QApplication::exit(window.grab().save(parser.value(screenshot)) ? 0 : 1);
                    });
                }
            });
        if (project.isEmpty()) {
            std::cerr << "llmap: --export and --screenshot need a project file\n";
            return 2;
        }
    }
    window.show();
    if (!project.isEmpty()) window.openProject(project);
    return app.exec();
}
