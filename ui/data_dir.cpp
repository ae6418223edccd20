#include "data_dir.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace llmap::ui {

QString dataDirFor(const QString& binDir) {
    // LLMAP_DATA_DIR_FROM_BIN is the install layout's data folder relative to its bin folder.
    const QString installed =
        QDir::cleanPath(binDir + QLatin1Char('/') + QStringLiteral(LLMAP_DATA_DIR_FROM_BIN));
    if (QFileInfo::exists(installed + QStringLiteral("/texts/quick.jsonl.gz"))) return installed;
    return QStringLiteral(LLMAP_RESOURCES_DIR);
}

QString dataDir() {
    return dataDirFor(QCoreApplication::applicationDirPath());
}

QString demoProject() {
    const QString bundled = dataDir() + QStringLiteral("/demo/demo.h5");
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    const QString copy = folder + QStringLiteral("/demo.llmap.h5");
    if (QFileInfo::exists(copy)) return copy;
    const QString partial = copy + QStringLiteral(".partial");
    QFile::remove(partial);
    if (folder.isEmpty() || !QDir().mkpath(folder) || !QFile::copy(bundled, partial))
        return bundled;
    // A copy of a read-only installed file is read-only too; the user's copy must take new scores.
    QFile::setPermissions(partial, QFile::permissions(partial) | QFile::WriteOwner);
    if (!QFile::rename(partial, copy)) {
        QFile::remove(partial);
        return bundled;
    }
    return copy;
}

}  // namespace llmap::ui
