// llmap: the desktop application.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

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
    parser.addPositionalArgument(QStringLiteral("project"),
                                 QStringLiteral("An LLMap project file (.h5) to open"));
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
    window.show();
    bool opened = true;
    if (!parser.positionalArguments().isEmpty())
        opened = window.openProject(parser.positionalArguments().first());

    if (parser.isSet(exportMap)) {
        if (!opened) return 2;
        return window.mapView()->exportFigure(parser.value(exportMap)) ? 0 : 1;
    }
    if (parser.isSet(screenshot)) {
        QTimer::singleShot(800, &window, [&] {
            const bool ok = window.grab().save(parser.value(screenshot));
            QApplication::exit(ok && opened ? 0 : 1);
        });
    }
    return app.exec();
}
