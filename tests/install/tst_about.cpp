// Where the app finds its bundled data (next to an installed executable, else the source tree),
// the user's copy of the demo project, and what the About dialog says.
#include <qwt_global.h>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QUrl>
#include <QtTest>

#include "about_dialog.h"
#include "data_dir.h"
#include "util/version.h"

class AboutTest : public QObject {
    Q_OBJECT
    QTemporaryDir home_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(home_.isValid());
        qputenv("XDG_DATA_HOME", home_.filePath(QStringLiteral("data")).toLocal8Bit());
        QCoreApplication::setOrganizationName(QStringLiteral("LLMap"));  // as app/gui/main.cpp
        QCoreApplication::setApplicationName(QStringLiteral("LLMap"));
    }

    void dataNextToAnInstalledExecutable() {
        QTemporaryDir prefix;
        QVERIFY(QDir().mkpath(prefix.filePath(QStringLiteral("bin"))));
        QVERIFY(QDir().mkpath(prefix.filePath(QStringLiteral("share/llmap/texts"))));
        QFile marker(prefix.filePath(QStringLiteral("share/llmap/texts/quick.jsonl.gz")));
        QVERIFY(marker.open(QIODevice::WriteOnly));
        marker.close();
        QCOMPARE(llmap::ui::dataDirFor(prefix.filePath(QStringLiteral("bin"))),
                 prefix.filePath(QStringLiteral("share/llmap")));
    }

    void dataOfTheSourceTreeOtherwise() {
        QTemporaryDir elsewhere;
        const QString data = llmap::ui::dataDirFor(elsewhere.path());
        QVERIFY(QFileInfo::exists(data + QStringLiteral("/texts/quick.jsonl.gz")));
        QVERIFY(QFileInfo::exists(data + QStringLiteral("/demo/demo.h5")));
    }

    void demoIsCopiedOnceIntoTheUsersFolder() {
        const QString copy = llmap::ui::demoProject();
        QCOMPARE(copy, home_.filePath(QStringLiteral("data/LLMap/LLMap/demo.llmap.h5")));
        const QString bundled = llmap::ui::dataDir() + QStringLiteral("/demo/demo.h5");
        QCOMPARE(QFileInfo(copy).size(), QFileInfo(bundled).size());
        QVERIFY(QFileInfo(copy).isWritable());
        // A copy already there (with the user's scores in it) is kept, not overwritten.
        QFile f(copy);
        QVERIFY(f.open(QIODevice::Append));
        f.write("x");
        f.close();
        QCOMPARE(llmap::ui::demoProject(), copy);
        QCOMPARE(QFileInfo(copy).size(), QFileInfo(bundled).size() + 1);
    }

    void aboutNamesVersionLicencesAndPaper() {
        const QString html = llmap::ui::AboutDialog::html();
        QVERIFY(html.contains(QStringLiteral("LLMap " LLMAP_VERSION)));
        QVERIFY(html.contains(QStringLiteral("Qt ") + QString::fromLatin1(qVersion())));
        QVERIFY(html.contains(QStringLiteral("Qwt " QWT_VERSION_STR)));
        QVERIFY(html.contains(QStringLiteral("libtorch ")));
        for (const char* text :
             {"LGPL-3.0", "Qwt License 1.0", "BSD-3-Clause", "MPL-2.0", "CC0-1.0", "PSF-2.0",
              "GFDL-1.1+", "Mapping 1,000+ Language Models", "arXiv:2502.16173", "ACL 2025"})
            QVERIFY2(html.contains(QString::fromUtf8(text)), text);
        const QRegularExpression link(QStringLiteral("href=\"([^\"]*LICENSES.md)\""));
        const QString licences = QUrl(link.match(html).captured(1)).toLocalFile();
        QVERIFY2(QFileInfo::exists(licences), qPrintable(licences));
        QVERIFY(llmap::ui::AboutDialog::bibtex().contains(
            QStringLiteral("author    = {Oyama, Momose and Yamagiwa, Hiroaki and Takase, Yusuke "
                           "and Shimodaira, Hidetoshi}")));
        llmap::ui::AboutDialog dialog;
        QVERIFY(dialog.findChild<QTextBrowser*>()->toPlainText().contains(
            QStringLiteral("Bundled data folder")));
        QVERIFY(!dialog.grab().isNull());
    }
};

QTEST_MAIN(AboutTest)
#include "tst_about.moc"
