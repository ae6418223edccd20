#include "about_dialog.h"

#include <qwt_global.h>
#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include "data_dir.h"
#include "score/scorer.h"
#include "util/version.h"

namespace llmap::ui {
namespace {

QString torchVersion() {
    const std::string engine = scoringEngineVersion();  // "<llmap version>; libtorch <version>"
    const size_t at = engine.find("libtorch ");
    return at == std::string::npos ? QStringLiteral("?")
                                   : QString::fromStdString(engine.substr(at + 9));
}

QString row(const QString& what, const QString& licence) {
    return QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(what, licence);
}

}  // namespace

QString AboutDialog::bibtex() {
    return QStringLiteral(
        "@inproceedings{oyama2025mapping,\n"
        "  title     = {Mapping 1,000+ Language Models via the Log-Likelihood Vector},\n"
        "  author    = {Oyama, Momose and Yamagiwa, Hiroaki and Takase, Yusuke and "
        "Shimodaira, Hidetoshi},\n"
        "  booktitle = {Proceedings of the 63rd Annual Meeting of the Association for "
        "Computational Linguistics (ACL 2025)},\n"
        "  year      = {2025},\n"
        "  note      = {arXiv:2502.16173}\n"
        "}\n");
}

QString AboutDialog::html() {
    const QString data = dataDir();
    const QString textLicences =
        QUrl::fromLocalFile(data + QStringLiteral("/texts/LICENSES.md")).toString();
    QString h;
    h += QStringLiteral("<h2>LLMap %1</h2>").arg(QStringLiteral(LLMAP_VERSION));
    h +=
        tr("<p>Maps language models by their log-likelihoods on a fixed text set: squared "
           "distances between double-centred log-likelihood vectors approximate KL "
           "divergences between the models.</p>");
    h +=
        tr("<h3>The method</h3><p>LLMap implements the method of:<br>Momose Oyama, Hiroaki "
           "Yamagiwa, Yusuke Takase and Hidetoshi Shimodaira. <i>Mapping 1,000+ Language Models "
           "via the Log-Likelihood Vector.</i> Proceedings of the 63rd Annual Meeting of the "
           "Association for Computational Linguistics (ACL 2025). arXiv:2502.16173.</p>"
           "<p>Please cite the paper when you publish a map made with LLMap (<b>Copy "
           "Citation</b> copies it as BibTeX).</p>");
    h += tr("<h3>Libraries</h3><table cellspacing=\"4\">");
    h += row(tr("Qt %1").arg(QString::fromLatin1(qVersion())), tr("LGPL-3.0"));
    h += row(tr("Qwt %1 (shipped with LLMap when not installed on the system)")
                 .arg(QStringLiteral(QWT_VERSION_STR)),
             tr("Qwt License 1.0 (LGPL-2.1 with exceptions)"));
    h += row(tr("libtorch %1").arg(torchVersion()), tr("BSD-3-Clause"));
    h += row(tr("HDF5"), tr("BSD-3-Clause (HDF5 licence)"));
    h += row(tr("Eigen"), tr("MPL-2.0"));
    h += row(tr("nlohmann/json"), tr("MIT"));
    h += row(tr("Oniguruma"), tr("BSD-2-Clause"));
    h += row(tr("utf8proc"), tr("MIT"));
    h += row(tr("zlib"), tr("Zlib"));
    h += QStringLiteral("</table>");
    h += tr("<h3>Bundled data</h3><table cellspacing=\"4\">");
    h += row(tr("Default and quick text sets: State of the Union addresses, <i>Moby-Dick</i>, the "
                "Universal Declaration of Human Rights, CPython 3.11 code and documentation, "
                "FOLDOC, the Jargon File"),
             tr("public domain, CC0-1.0, PSF-2.0, GFDL-1.1+, MIT (<a href=\"%1\">sources and "
                "licences</a>)")
                 .arg(textLicences));
    h += row(tr("Demo project and the three tiny demo models"),
             tr("released with LLMap; trained on the default text set's sources"));
    h += QStringLiteral("</table>");
    h += tr("<p>Bundled data folder: <a href=\"%1\">%2</a></p>")
             .arg(QUrl::fromLocalFile(data).toString(), data.toHtmlEscaped());
    return h;
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About LLMap"));
    auto* layout = new QVBoxLayout(this);
    auto* header = new QHBoxLayout;
    auto* icon = new QLabel(this);
    icon->setPixmap(QApplication::windowIcon().pixmap(64, 64));
    header->addWidget(icon, 0, Qt::AlignTop);
    auto* text = new QTextBrowser(this);
    text->setOpenExternalLinks(true);
    text->setHtml(html());
    text->setMinimumSize(560, 440);
    header->addWidget(text, 1);
    layout->addLayout(header);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* copy = buttons->addButton(tr("Copy Citation"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this,
            [] { QGuiApplication::clipboard()->setText(bibtex()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

}  // namespace llmap::ui
