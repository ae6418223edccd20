#pragma once
// Runs llmap-cli as a user would and collects its exit code and output.
#include <QProcess>
#include <QStringList>

namespace llmap::test {

struct CliRun {
    int code;  // -1 when the process crashed or did not finish
    QString out;
    QString err;
};

// The limit is only there so that a hung run ends the test: a loaded machine may take minutes.
inline CliRun runCli(const QStringList& args, int timeoutMs = 540000) {
    QProcess p;
    p.start(QStringLiteral(LLMAP_CLI_PATH), args);
    p.waitForFinished(timeoutMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace llmap::test
