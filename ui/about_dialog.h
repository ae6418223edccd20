#pragma once
#include <QDialog>

namespace llmap::ui {

// Help → About: the version, the libraries and data LLMap ships or links with their licences,
// and the paper whose method it implements, with its citation.
class AboutDialog : public QDialog {
    Q_OBJECT
public:
    explicit AboutDialog(QWidget* parent = nullptr);

    // The dialog's text as HTML (also what the tests read).
    static QString html();
    // The paper in BibTeX, for the "Copy Citation" button.
    static QString bibtex();
};

}  // namespace llmap::ui
