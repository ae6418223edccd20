// The Debian package end to end, in order: cpack builds it; its fields, contents and computed
// dependencies are checked; apt resolves those dependencies on this system; dpkg installs it into
// an empty root; the installed programs run from there — llmap-cli --version, llmap-cli score on a
// bundled model (compared with transformers' values), the GUI offscreen on the demo — inside a
// private mount namespace in which the source tree, the build tree and the Qwt build are empty
// folders, so nothing can come from them; the desktop entry, AppStream data, MIME type, icons and
// man pages are validated; dpkg removes the package and nothing is left. Prints the .deb's size
// and the install time.
#include <hdf5.h>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "util/version.h"

namespace {

struct Run {
    int code = -1;
    QString out;
    QString err;
};

Run run(const QString& program, const QStringList& args, const QString& workDir,
        const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
        int timeoutMs = 300000) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.setWorkingDirectory(workDir);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(30000)) {
        r.err = program + QStringLiteral(": cannot start (") + p.errorString() + QLatin1Char(')');
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString describe(const Run& r) {
    return QStringLiteral("exit %1\nstdout: %2\nstderr: %3")
        .arg(r.code)
        .arg(r.out.left(3000), r.err.left(3000));
}

QByteArray sha256(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result();
}

}  // namespace

class InstallTest : public QObject {
    Q_OBJECT
    QTemporaryDir work_;
    QString deb_, root_, home_;
    QStringList hidden_;  // folders that are empty for the installed programs

    QString w(const QString& rel) const { return work_.filePath(rel); }
    QString r(const QString& rel) const { return root_ + QLatin1Char('/') + rel; }

    QProcessEnvironment userEnv() const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("LD_LIBRARY_PATH"));
        env.remove(QStringLiteral("QT_PLUGIN_PATH"));
        env.insert(QStringLiteral("HOME"), home_);
        env.insert(QStringLiteral("XDG_DATA_HOME"), home_ + QStringLiteral("/.local/share"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home_ + QStringLiteral("/.config"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), home_ + QStringLiteral("/.cache"));
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home_ + QStringLiteral("/run"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("OMP_NUM_THREADS"), QStringLiteral("2"));
        env.insert(QStringLiteral("LLMAP_HIDE"), hidden_.join(QLatin1Char(':')));
        return env;
    }

    // Runs a command in a private mount namespace in which every folder of hidden_ is an empty
    // tmpfs, from the work folder (a working directory inside a hidden folder would stay usable).
    Run runHidden(const QStringList& command, int timeoutMs = 300000) const {
        const QString script = QStringLiteral(
            "set -e; IFS=:; for d in $LLMAP_HIDE; do mount -t tmpfs -o ro,size=64k none \"$d\"; "
            "done; unset IFS; exec \"$@\"");
        QStringList args{QStringLiteral("--mount"), QStringLiteral("--propagation"),
                         QStringLiteral("private"), QStringLiteral("sh"),
                         QStringLiteral("-c"),      script,
                         QStringLiteral("sh")};
        return run(QStringLiteral("unshare"), args + command, work_.path(), userEnv(), timeoutMs);
    }

    Run dpkg(const QStringList& args) const {
        // --force-script-chrootless: the empty root has no shell to run the package's scripts
        // (CPack's ldconfig calls) in; --force-depends: its dependencies live in the real system
        // (checked by aptResolvesTheDependencies).
        return run(QStringLiteral("dpkg"),
                   QStringList{QStringLiteral("--root=") + root_,
                               QStringLiteral("--force-script-chrootless"),
                               QStringLiteral("--force-depends")} +
                       args,
                   work_.path());
    }

private Q_SLOTS:
    void initTestCase() {
        if (geteuid() != 0) {
            // Reported by CTest as not run (SKIP_RETURN_CODE), with this reason.
            std::fprintf(stderr,
                         "not run: the test installs with dpkg and hides folders in a private "
                         "mount namespace, which needs root (run it with sudo ctest -L install)\n");
            std::exit(77);
        }
        QVERIFY(work_.isValid());
        home_ = w(QStringLiteral("home"));
        root_ = w(QStringLiteral("root"));
        QVERIFY(QDir().mkpath(home_ + QStringLiteral("/run")));
        QFile::setPermissions(home_ + QStringLiteral("/run"),
                              QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        hidden_ << QStringLiteral(LLMAP_SOURCE_DIR);
        const QString build = QStringLiteral(LLMAP_BUILD_DIR);
        if (!build.startsWith(hidden_.first() + QLatin1Char('/'))) hidden_ << build;
        const QString qwt =
            QFileInfo(QFileInfo(QStringLiteral(LLMAP_QWT_LIBRARY)).canonicalFilePath())
                .absolutePath();
        if (!qwt.startsWith(QStringLiteral("/usr/"))) hidden_ << qwt;
        QVERIFY2(!work_.path().startsWith(hidden_.first()),
                 "TMPDIR must lie outside the source tree");

        QElapsedTimer timer;
        timer.start();
        const Run cpack =
            run(QStringLiteral(LLMAP_CPACK),
                {QStringLiteral("--config"), build + QStringLiteral("/CPackConfig.cmake"),
                 QStringLiteral("-B"), w(QStringLiteral("pkg"))},
                build, QProcessEnvironment::systemEnvironment(), 600000);
        QVERIFY2(cpack.code == 0, qPrintable(describe(cpack)));
        const QStringList debs =
            QDir(w(QStringLiteral("pkg"))).entryList({QStringLiteral("llmap_*.deb")}, QDir::Files);
        QCOMPARE(debs.size(), 1);
        deb_ = w(QStringLiteral("pkg/") + debs.first());
        qInfo("cpack: %s, %.1f MB, in %.1f s", qPrintable(debs.first()),
              QFileInfo(deb_).size() / 1e6, timer.elapsed() / 1000.0);
    }

    void packageFields() {
        const Run f = run(QStringLiteral("dpkg-deb"),
                          {QStringLiteral("-f"), deb_, QStringLiteral("Package"),
                           QStringLiteral("Version"), QStringLiteral("Architecture")},
                          work_.path());
        QCOMPARE(f.code, 0);
        const Run arch =
            run(QStringLiteral("dpkg"), {QStringLiteral("--print-architecture")}, work_.path());
        QCOMPARE(f.out, QStringLiteral("Package: llmap\nVersion: %1\nArchitecture: %2")
                            .arg(QStringLiteral(LLMAP_VERSION), arch.out));
    }

    void packageContents() {
        const Run c = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), deb_}, work_.path());
        QCOMPARE(c.code, 0);
        const QString id = QStringLiteral(LLMAP_APP_ID);
        QStringList expected{
            QStringLiteral("./usr/bin/llmap"),
            QStringLiteral("./usr/bin/llmap-cli"),
            QStringLiteral("./usr/lib/llmap/libqwt.so.6.3"),
            QStringLiteral("./usr/share/llmap/texts/default.jsonl.gz"),
            QStringLiteral("./usr/share/llmap/texts/quick.jsonl.gz"),
            QStringLiteral("./usr/share/llmap/texts/LICENSES.md"),
            QStringLiteral("./usr/share/llmap/demo/demo.h5"),
            QStringLiteral("./usr/share/llmap/example/example.llmap.h5"),
            QStringLiteral("./usr/share/llmap/models/gpt2-prose-s0-tiny/model.safetensors"),
            QStringLiteral("./usr/share/llmap/models/llama-code-s0-tiny/tokenizer.json"),
            QStringLiteral("./usr/share/applications/%1.desktop").arg(id),
            QStringLiteral("./usr/share/metainfo/%1.metainfo.xml").arg(id),
            QStringLiteral("./usr/share/mime/packages/%1.xml").arg(id),
            QStringLiteral("./usr/share/icons/hicolor/scalable/apps/%1.svg").arg(id),
            QStringLiteral("./usr/share/man/man1/llmap.1.gz"),
            QStringLiteral("./usr/share/man/man1/llmap-cli.1.gz"),
            QStringLiteral("./usr/share/doc/llmap/copyright"),
            QStringLiteral("./usr/share/doc/llmap/qwt/COPYING"),
        };
        for (int size : {16, 22, 24, 32, 48, 64, 128, 256, 512})
            expected
                << QStringLiteral("./usr/share/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(id);
        QStringList listed;
        for (const QString& line : c.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            listed << line.section(QLatin1Char(' '), -1).section(QStringLiteral(" -> "), 0, 0);
        for (const QString& path : expected)
            QVERIFY2(listed.contains(path),
                     qPrintable(path + QStringLiteral(" is not in the package")));
    }

    void installsIntoAnEmptyRoot() {
        QVERIFY(QDir().mkpath(r(QStringLiteral("var/lib/dpkg/info"))));
        QVERIFY(QDir().mkpath(r(QStringLiteral("var/lib/dpkg/updates"))));
        QFile status(r(QStringLiteral("var/lib/dpkg/status")));
        QVERIFY(status.open(QIODevice::WriteOnly));
        status.close();
        QElapsedTimer timer;
        timer.start();
        const Run i = dpkg({QStringLiteral("-i"), deb_});
        const double seconds = timer.elapsed() / 1000.0;
        QVERIFY2(i.code == 0, qPrintable(describe(i)));
        const Run q = run(QStringLiteral("dpkg-query"),
                          {QStringLiteral("--root=") + root_, QStringLiteral("-W"),
                           QStringLiteral("-f=${Status}"), QStringLiteral("llmap")},
                          work_.path());
        QCOMPARE(q.out, QStringLiteral("install ok installed"));
        const Run du = run(QStringLiteral("du"), {QStringLiteral("-sk"), r(QStringLiteral("usr"))},
                           work_.path());
        qInfo("dpkg -i into an empty root: %.2f s; installed: %.1f MB", seconds,
              du.out.section(QLatin1Char('\t'), 0, 0).toDouble() / 1024.0);
    }

    // Every library the installed programs need is found, the bundled Qwt inside the package, and
    // no search path or resolved library lies in the build, source or Qwt build folders.
    void librariesResolveInsideThePackage() {
        const QStringList elves{r(QStringLiteral("usr/bin/llmap")),
                                r(QStringLiteral("usr/bin/llmap-cli")),
                                r(QStringLiteral("usr/lib/llmap/libqwt.so.6.3"))};
        for (const QString& elf : elves) {
            const Run d = run(QStringLiteral("readelf"), {QStringLiteral("-d"), elf}, work_.path());
            QCOMPARE(d.code, 0);
            static const QRegularExpression pathEntry(
                QStringLiteral("\\((?:RUNPATH|RPATH)\\).*\\[(.*)\\]"));
            auto it = pathEntry.globalMatch(d.out);
            while (it.hasNext()) {
                for (const QString& dir : it.next().captured(1).split(QLatin1Char(':')))
                    QVERIFY2(dir.startsWith(QStringLiteral("$ORIGIN")),
                             qPrintable(elf + QStringLiteral(": search path ") + dir));
            }
            const Run l = run(QStringLiteral("ldd"), {elf}, work_.path(), userEnv());
            QVERIFY2(l.code == 0, qPrintable(describe(l)));
            QVERIFY2(!l.out.contains(QStringLiteral("not found")), qPrintable(elf + l.out));
            for (const QString& dir : hidden_)
                QVERIFY2(!l.out.contains(dir),
                         qPrintable(elf + QStringLiteral(" loads from ") + dir));
        }
        const Run l = run(QStringLiteral("ldd"), {r(QStringLiteral("usr/bin/llmap"))}, work_.path(),
                          userEnv());
        QVERIFY2(l.out.contains(QStringLiteral("libqwt.so.6.3 => ") +
                                r(QStringLiteral("usr/bin/../lib/llmap/libqwt.so.6.3"))),
                 qPrintable(l.out));
    }

    // dpkg-shlibdeps' Depends covers every library the programs link, each by the package
    // that holds it on this system (found independently, with ldd and dpkg -S).
    void dependenciesCoverEveryLinkedLibrary() {
        const Run f = run(QStringLiteral("dpkg-deb"),
                          {QStringLiteral("-f"), deb_, QStringLiteral("Depends")}, work_.path());
        QStringList depends;
        for (const QString& d : f.out.split(QLatin1Char(',')))
            depends << d.trimmed().section(QLatin1Char(' '), 0, 0);
        QVERIFY2(depends.contains(QStringLiteral("qt6-qpa-plugins")), qPrintable(f.out));
        QSet<QString> needed;
        for (const QString& elf :
             {r(QStringLiteral("usr/bin/llmap")), r(QStringLiteral("usr/bin/llmap-cli")),
              r(QStringLiteral("usr/lib/llmap/libqwt.so.6.3"))}) {
            const Run d = run(QStringLiteral("readelf"), {QStringLiteral("-d"), elf}, work_.path());
            QCOMPARE(d.code, 0);
            static const QRegularExpression neededEntry(QStringLiteral("\\(NEEDED\\).*\\[(.*)\\]"));
            auto it = neededEntry.globalMatch(d.out);
            const Run l = run(QStringLiteral("ldd"), {elf}, work_.path(), userEnv());
            while (it.hasNext()) {
                const QString soname = it.next().captured(1);
                if (soname.startsWith(QStringLiteral("libqwt"))) continue;  // in the package
                // "soname => path", or just "path" for the dynamic loader itself.
                const QString escaped = QRegularExpression::escape(soname);
                QString path = QRegularExpression(escaped + QStringLiteral(" => (/\\S+)"))
                                   .match(l.out)
                                   .captured(1);
                if (path.isEmpty()) {
                    path = QRegularExpression(QStringLiteral("(/\\S*/") + escaped +
                                              QStringLiteral(")\\s"))
                               .match(l.out)
                               .captured(1);
                }
                QVERIFY2(!path.isEmpty(), qPrintable(elf + QStringLiteral(": ") + soname));
                needed.insert(path);
            }
        }
        for (const QString& library : needed) {
            // Debian 12 merges /lib into /usr/lib, but dpkg knows each file by one of the names.
            QStringList names{library, QFileInfo(library).canonicalFilePath()};
            for (const QString& name : QStringList(names)) {
                names << (name.startsWith(QStringLiteral("/usr/")) ? name.mid(4)
                                                                   : QStringLiteral("/usr") + name);
            }
            Run s;
            for (const QString& name : names) {
                s = run(QStringLiteral("dpkg"), {QStringLiteral("-S"), name}, work_.path());
                if (s.code == 0) break;
            }
            QVERIFY2(s.code == 0, qPrintable(library + QStringLiteral(" belongs to no package")));
            const QString package = s.out.section(QLatin1Char(':'), 0, 0);
            QVERIFY2(depends.contains(package),
                     qPrintable(library + QStringLiteral(" (") + package +
                                QStringLiteral(") missing from Depends: ") + f.out));
        }
        QVERIFY(needed.size() >= 10);
    }

    void aptResolvesTheDependencies() {
        const Run a = run(QStringLiteral("apt-get"),
                          {QStringLiteral("install"), QStringLiteral("--simulate"),
                           QStringLiteral("--no-install-recommends"), deb_},
                          work_.path());
        QVERIFY2(a.code == 0, qPrintable(describe(a)));
        QVERIFY2(a.out.contains(QStringLiteral("Inst llmap ")), qPrintable(a.out));
    }

    void buildFoldersAreHidden() {
        for (const QString& dir : hidden_) {
            const Run t = runHidden({QStringLiteral("sh"), QStringLiteral("-c"),
                                     QStringLiteral("[ -z \"$(ls -A \"$0\")\" ]"), dir});
            QVERIFY2(t.code == 0,
                     qPrintable(dir + QStringLiteral(" is not hidden: ") + describe(t)));
        }
    }

    void cliRunsFromTheInstalledTree() {
        const Run v =
            runHidden({r(QStringLiteral("usr/bin/llmap-cli")), QStringLiteral("--version")});
        QCOMPARE(v.out, QStringLiteral("llmap-cli %1\n").arg(QStringLiteral(LLMAP_VERSION)));

        // The 50 texts and transformers' log-likelihoods of tests/oracle/zoo/fidelity.py.
        QFile oracleFile(QStringLiteral(LLMAP_TEST_DATA "/zoo/fidelity.json"));
        QVERIFY(oracleFile.open(QIODevice::ReadOnly));
        const QJsonObject oracle = QJsonDocument::fromJson(oracleFile.readAll()).object();
        QFile texts(w(QStringLiteral("texts.jsonl")));
        QVERIFY(texts.open(QIODevice::WriteOnly));
        for (const auto& t : oracle[QStringLiteral("texts")].toArray())
            texts.write(QJsonDocument(t.toObject()).toJson(QJsonDocument::Compact) + '\n');
        texts.close();
        const QString project = w(QStringLiteral("zoo.llmap.h5"));
        QStringList models;
        for (const auto& m : oracle[QStringLiteral("models")].toArray())
            models << r(QStringLiteral("usr/share/llmap/models/") +
                        m.toObject()[QStringLiteral("name")].toString());
        QCOMPARE(models.size(), 3);
        const Run s =
            runHidden(QStringList{r(QStringLiteral("usr/bin/llmap-cli")), QStringLiteral("score"),
                                  QStringLiteral("--project"), project, QStringLiteral("--texts"),
                                  texts.fileName(), QStringLiteral("--model")} +
                      models);
        QVERIFY2(s.code == 0, qPrintable(describe(s)));
        const Run e = runHidden({r(QStringLiteral("usr/bin/llmap-cli")), QStringLiteral("export"),
                                 QStringLiteral("--project"), project, QStringLiteral("--what"),
                                 QStringLiteral("scores"), QStringLiteral("--out"),
                                 w(QStringLiteral("scores.csv"))});
        QVERIFY2(e.code == 0, qPrintable(describe(e)));
        QFile csv(w(QStringLiteral("scores.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QHash<QString, QStringList> rows;
        for (const QByteArray& line : csv.readAll().split('\n')) {
            const QStringList cells = QString::fromUtf8(line).split(QLatin1Char(','));
            if (cells.size() > 1) rows.insert(cells.first(), cells.mid(1));
        }
        for (const auto& m : oracle[QStringLiteral("models")].toArray()) {
            const QString name = m.toObject()[QStringLiteral("name")].toString();
            const QJsonArray expected = m.toObject()[QStringLiteral("loglik")].toArray();
            const QStringList got = rows.value(name);
            QCOMPARE(got.size(), expected.size());
            for (int i = 0; i < got.size(); ++i) {
                const double want = expected[i].toDouble();
                const double value = got[i].toDouble();
                QVERIFY2(std::abs(value - want) <= std::max(1e-4 * std::abs(want), 1e-3),
                         qPrintable(QStringLiteral("%1, text %2: %3, transformers %4")
                                        .arg(name)
                                        .arg(i)
                                        .arg(value, 0, 'g', 12)
                                        .arg(want, 0, 'g', 12)));
            }
        }
    }

    // `llmap --demo` finds the demo through its own location (the source tree is hidden), copies
    // it into the user's data folder and shows it.
    void guiShowsTheDemoFromTheInstalledTree() {
        const QString shot = w(QStringLiteral("window.png"));
        const Run g = runHidden({r(QStringLiteral("usr/bin/llmap")), QStringLiteral("--demo"),
                                 QStringLiteral("--screenshot"), shot});
        QVERIFY2(g.code == 0, qPrintable(describe(g)));
        const QString copy = home_ + QStringLiteral("/.local/share/LLMap/LLMap/demo.llmap.h5");
        QVERIFY2(QFileInfo::exists(copy), qPrintable(copy));
        QCOMPARE(sha256(copy), sha256(r(QStringLiteral("usr/share/llmap/demo/demo.h5"))));
        QImage image(shot);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 640 && image.height() >= 400);
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 2)
            for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 50, "the window looks empty");
        // As the desktop entry starts it for a double-clicked project: `llmap FILE`.
        const QString svg = w(QStringLiteral("example.svg"));
        const Run e = runHidden({r(QStringLiteral("usr/bin/llmap")),
                                 r(QStringLiteral("usr/share/llmap/example/example.llmap.h5")),
                                 QStringLiteral("--export"), svg});
        QVERIFY2(e.code == 0, qPrintable(describe(e)));
        QVERIFY(QFileInfo(svg).size() > 10000);
        const Run v = runHidden({r(QStringLiteral("usr/bin/llmap")), QStringLiteral("--version")});
        QCOMPARE(v.out, QStringLiteral("LLMap %1\n").arg(QStringLiteral(LLMAP_VERSION)));
    }

    void desktopEntryAndAppStreamValidate() {
        const QString id = QStringLiteral(LLMAP_APP_ID);
        const Run d =
            run(QStringLiteral("desktop-file-validate"),
                {r(QStringLiteral("usr/share/applications/%1.desktop").arg(id))}, work_.path());
        QVERIFY2(d.code == 0 && d.out.isEmpty(), qPrintable(describe(d)));
        const Run a = run(QStringLiteral("appstreamcli"),
                          {QStringLiteral("validate"), QStringLiteral("--no-net"),
                           r(QStringLiteral("usr/share/metainfo/%1.metainfo.xml").arg(id))},
                          work_.path());
        QVERIFY2(a.code == 0, qPrintable(describe(a)));
        QFile desktop(r(QStringLiteral("usr/share/applications/%1.desktop").arg(id)));
        QVERIFY(desktop.open(QIODevice::ReadOnly));
        const QString entry = QString::fromUtf8(desktop.readAll());
        QVERIFY(entry.contains(QStringLiteral("\nExec=llmap %f\n")));
        QVERIFY(entry.contains(QStringLiteral("\nMimeType=application/x-llmap-project;\n")));
        QVERIFY(entry.contains(QStringLiteral("\nIcon=%1\n").arg(id)));
    }

    void iconsHaveTheirSizes() {
        const QString id = QStringLiteral(LLMAP_APP_ID);
        for (int size : {16, 22, 24, 32, 48, 64, 128, 256, 512}) {
            const QImage icon(
                r(QStringLiteral("usr/share/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(id)));
            QCOMPARE(icon.size(), QSize(size, size));
            QVERIFY(icon.hasAlphaChannel());
        }
    }

    // *.llmap.h5 is an LLMap project by name; any LLMap project is one by content; other HDF5
    // files stay HDF5. Checked with Qt's shared-mime-info reader on a database made from the
    // system's definitions plus the installed one.
    void mimeTypeOfProjects() {
        const QString mime = w(QStringLiteral("xdg/mime"));
        QVERIFY(QDir().mkpath(mime + QStringLiteral("/packages")));
        QVERIFY(QFile::copy(QStringLiteral("/usr/share/mime/packages/freedesktop.org.xml"),
                            mime + QStringLiteral("/packages/freedesktop.org.xml")));
        QVERIFY(QFile::copy(
            r(QStringLiteral("usr/share/mime/packages/%1.xml").arg(QStringLiteral(LLMAP_APP_ID))),
            mime + QStringLiteral("/packages/llmap.xml")));
        const Run u = run(QStringLiteral("update-mime-database"), {mime}, work_.path());
        QVERIFY2(u.code == 0 && !u.err.contains(QStringLiteral("rror")), qPrintable(describe(u)));

        const QString demo = r(QStringLiteral("usr/share/llmap/demo/demo.h5"));
        QVERIFY(QFile::copy(demo, w(QStringLiteral("named.llmap.h5"))));
        QVERIFY(QFile::copy(demo, w(QStringLiteral("project-without-suffix"))));
        const hid_t file =
            H5Fcreate(w(QStringLiteral("plain-without-suffix")).toLocal8Bit().constData(),
                      H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        QVERIFY(file >= 0);
        H5Fclose(file);

        QProcessEnvironment env = userEnv();
        env.insert(QStringLiteral("XDG_DATA_DIRS"), w(QStringLiteral("xdg")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), w(QStringLiteral("empty")));
        auto typeOf = [&](const QString& name) {
            return run(QStringLiteral(LLMAP_MIME_TYPE_OF), {w(name)}, work_.path(), env)
                .out.trimmed();
        };
        const QString project = QStringLiteral("application/x-llmap-project application/x-hdf");
        QVERIFY(typeOf(QStringLiteral("named.llmap.h5")).startsWith(project));
        QVERIFY(typeOf(QStringLiteral("project-without-suffix")).startsWith(project));
        QVERIFY(typeOf(QStringLiteral("plain-without-suffix"))
                    .startsWith(QStringLiteral("application/x-hdf")));
        QVERIFY(QFile::copy(demo, w(QStringLiteral("project.h5"))));
        qInfo("a project named *.h5: %s", qPrintable(typeOf(QStringLiteral("project.h5"))));
    }

    void manPagesComeFromTheHelp() {
        for (const QString& program : {QStringLiteral("llmap-cli"), QStringLiteral("llmap")}) {
            const Run z = run(QStringLiteral("gzip"),
                              {QStringLiteral("-dc"),
                               r(QStringLiteral("usr/share/man/man1/%1.1.gz").arg(program))},
                              work_.path());
            QCOMPARE(z.code, 0);
            QVERIFY(z.out.contains(QStringLiteral(".TH %1 \"1\"").arg(program.toUpper())));
            QVERIFY(
                z.out.contains(QStringLiteral("\"LLMap %1\"").arg(QStringLiteral(LLMAP_VERSION))));
        }
    }

    void removesCleanly() {
        const Run rm = dpkg({QStringLiteral("--purge"), QStringLiteral("llmap")});
        QVERIFY2(rm.code == 0, qPrintable(describe(rm)));
        QStringList left;
        QDirIterator it(root_, QDir::Files | QDir::Hidden | QDir::System,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (!path.startsWith(r(QStringLiteral("var/lib/dpkg/"))) &&
                !path.startsWith(r(QStringLiteral("var/log/"))))
                left << path;
        }
        QVERIFY2(left.isEmpty(), qPrintable(left.join(QLatin1Char('\n'))));
        QVERIFY(!QFileInfo::exists(r(QStringLiteral("usr/bin/llmap"))));
    }
};

QTEST_GUILESS_MAIN(InstallTest)
#include "tst_install.moc"
