// Prints the MIME type that Qt's shared-mime-info database gives a file, and the types it
// inherits from: "<type> <parent> <parent>...". The environment (XDG_DATA_DIRS) picks the database.
#include <QCoreApplication>
#include <QMimeDatabase>
#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: mime_type_of FILE\n");
        return 2;
    }
    const QMimeType type = QMimeDatabase().mimeTypeForFile(QString::fromLocal8Bit(argv[1]));
    std::printf("%s\n", qPrintable((QStringList{type.name()} + type.allAncestors()).join(' ')));
    return 0;
}
