// The main window on the example project: every point drawn, click selection fills the metadata
// panel, zoom reset, exports that are valid files, and a bad file that changes nothing.
#include <qwt_plot_canvas.h>
#include <qwt_scale_div.h>
#include <QSvgRenderer>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "main_window.h"
#include "map_view.h"

using llmap::ui::MainWindow;
using llmap::ui::MapView;

namespace {
int colourDistance(QColor a, QColor b) {
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) +
           std::abs(a.blue() - b.blue());
}
}  // namespace

class GuiTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyPointIsDrawn() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openProject(QStringLiteral(LLMAP_EXAMPLE_PROJECT)));
        MapView* map = w.mapView();
        QCOMPARE(map->points().size(), 50);
        QCOMPARE(map->groups().size(), 5);  // the example's five families
        map->replot();
        QImage image = map->canvas()->grab().toImage();
        QVERIFY(!image.isNull());
        const double ratio = image.devicePixelRatio();
        int ownColour = 0;
        for (int i = 0; i < map->points().size(); ++i) {
            QPoint c = map->canvasPosition(i);
            QVERIFY2(QRect(QPoint(0, 0), map->canvas()->size()).contains(c),
                     "point outside the canvas");
            QColor pixel = image.pixelColor(QPoint(qRound(c.x() * ratio), qRound(c.y() * ratio)));
            // The centre pixel carries a symbol fill: this point's colour, or that of a point drawn
            // over it.
            int best = 1000;
            for (const QString& g : map->groups())
                best = std::min(best, colourDistance(pixel, map->groupColor(g)));
            QVERIFY2(best <= 6, qPrintable(QStringLiteral("point %1 (%2) not drawn: pixel %3")
                                               .arg(i)
                                               .arg(map->points()[i].id, pixel.name())));
            if (colourDistance(pixel, map->groupColor(map->points()[i].group)) <= 6) ++ownColour;
        }
        QVERIFY(ownColour >= 45);
    }

    void clickSelectsAndShowsMetadata() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openProject(QStringLiteral(LLMAP_EXAMPLE_PROJECT)));
        MapView* map = w.mapView();
        // Pick the point farthest from all others, so the click cannot hit a neighbour.
        int target = 0;
        double bestGap = -1;
        for (int i = 0; i < map->points().size(); ++i) {
            double gap = 1e9;
            for (int j = 0; j < map->points().size(); ++j) {
                if (i == j) continue;
                QPoint d = map->canvasPosition(i) - map->canvasPosition(j);
                gap = std::min(gap, std::hypot(double(d.x()), double(d.y())));
            }
            if (gap > bestGap) {
                bestGap = gap;
                target = i;
            }
        }
        QTest::mouseClick(map->canvas(), Qt::LeftButton, Qt::NoModifier,
                          map->canvasPosition(target));
        QCOMPARE(map->selected(), target);
        QTableWidget* table = w.metadataTable();
        QVERIFY(table->rowCount() >= 3);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("id"));
        QCOMPARE(table->item(0, 1)->text(), map->points()[target].id);
        QStringList fields;
        for (int r = 0; r < table->rowCount(); ++r) fields << table->item(r, 0)->text();
        QVERIFY(fields.contains(QStringLiteral("family")));
        QVERIFY(fields.contains(QStringLiteral("mean log-likelihood")));
        // A click on empty canvas clears the selection.
        QTest::mouseClick(map->canvas(), Qt::LeftButton, Qt::NoModifier, QPoint(2, 2));
        QCOMPARE(map->selected(), -1);
    }

    void zoomResets() {
        MainWindow w;
        w.show();
        QVERIFY(w.openProject(QStringLiteral(LLMAP_EXAMPLE_PROJECT)));
        MapView* map = w.mapView();
        const QwtScaleDiv base = map->axisScaleDiv(QwtPlot::xBottom);
        map->setAxisScale(QwtPlot::xBottom, 0, 1);
        map->replot();
        QVERIFY(map->axisScaleDiv(QwtPlot::xBottom).upperBound() == 1);
        map->resetZoom();
        QCOMPARE(map->axisScaleDiv(QwtPlot::xBottom).lowerBound(), base.lowerBound());
        QCOMPARE(map->axisScaleDiv(QwtPlot::xBottom).upperBound(), base.upperBound());
    }

    void exportsAreValidFiles() {
        MainWindow w;
        w.show();
        QVERIFY(w.openProject(QStringLiteral(LLMAP_EXAMPLE_PROJECT)));
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("map.png"));
        QVERIFY(w.mapView()->exportFigure(png, QSizeF(160, 120), 150));
        QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.width(), qRound(160 / 25.4 * 150));
        // Not blank: many pixels differ from white.
        int coloured = 0;
        for (int y = 0; y < image.height(); y += 2) {
            for (int x = 0; x < image.width(); x += 2)
                coloured += image.pixelColor(x, y) != QColor(Qt::white);
        }
        QVERIFY(coloured > 500);

        const QString svg = dir.filePath(QStringLiteral("map.svg"));
        QVERIFY(w.mapView()->exportFigure(svg));
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());

        const QString pdf = dir.filePath(QStringLiteral("map.pdf"));
        QVERIFY(w.mapView()->exportFigure(pdf));
        QFile f(pdf);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.read(5), QByteArray("%PDF-"));

        QVERIFY(!w.mapView()->exportFigure(dir.filePath(QStringLiteral("map.bmpx"))));
    }

    void badFileChangesNothing() {
        MainWindow w;
        w.show();
        QVERIFY(w.openProject(QStringLiteral(LLMAP_EXAMPLE_PROJECT)));
        QTemporaryDir dir;
        const QString junk = dir.filePath(QStringLiteral("junk.h5"));
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a project");
        f.close();
        QVERIFY(!w.openProject(junk));
        QVERIFY(!w.openProject(dir.filePath(QStringLiteral("missing.h5"))));
        QCOMPARE(w.mapView()->points().size(), 50);
        QVERIFY(w.windowTitle().contains(QStringLiteral("example.h5")));
    }
};

QTEST_MAIN(GuiTest)
#include "tst_gui.moc"
