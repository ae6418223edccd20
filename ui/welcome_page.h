#pragma once
// What the window shows while no project is open: a line on what LLMap does, the ways to begin
// (the demo project, a new project, a project file) and the recent projects.
#include <QWidget>

class QAbstractButton;
class QLabel;
class QVBoxLayout;

namespace llmap::ui {

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);
    // The recent projects, newest first; a file that is no longer there is listed, not choosable.
    void setRecent(const QStringList& paths);
    QList<QAbstractButton*> recentButtons() const { return recent_; }

Q_SIGNALS:
    void demoRequested();
    void newProjectRequested();
    void openRequested();
    void recentChosen(const QString& path);

private:
    QVBoxLayout* recentBox_ = nullptr;
    QLabel* noRecent_ = nullptr;
    QList<QAbstractButton*> recent_;
};

}  // namespace llmap::ui
