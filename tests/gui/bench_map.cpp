// Benchmark (not a test): frame times of the map with 10,000 models while panning and zooming,
// and the time from start to a visible window with the example project.
#include <qwt_plot_canvas.h>
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <algorithm>
#include <cstdio>
#include <random>

#include "colouring.h"
#include "main_window.h"
#include "map_view.h"

int main(int argc, char** argv) {
    QElapsedTimer sinceStart;
    sinceStart.start();
    QApplication app(argc, argv);
    {
        llmap::ui::MainWindow window;
        window.show();
        QSignalSpy opened(&window, &llmap::ui::MainWindow::projectOpened);
        window.openProject(QStringLiteral(LLMAP_EXAMPLE_PROJECT));
        opened.wait(20000);
        QApplication::processEvents();
        std::printf("start to a visible window with the example map: %lld ms\n",
                    static_cast<long long>(sinceStart.elapsed()));
    }

    llmap::ui::MapView view;
    view.resize(1200, 800);
    view.show();
    std::mt19937 rng(1);
    std::normal_distribution<double> gauss(0.0, 1.0);
    const int n = 10000;
    QVector<QPointF> points;
    QStringList ids;
    QVector<QVariant> family;
    for (int i = 0; i < n; ++i) {
        const int f = i % 12;
        points << QPointF(10 * std::cos(f) + gauss(rng), 10 * std::sin(f) + gauss(rng));
        ids << QStringLiteral("model-%1").arg(i);
        family << QStringLiteral("family %1").arg(f);
    }
    view.setPoints(points, ids, QStringLiteral("PC"));
    view.setColouring(llmap::ui::colourBy(QStringLiteral("family"), family, false));
    QApplication::processEvents();

    std::vector<double> frames;
    QElapsedTimer t;
    for (int step = 0; step < 60; ++step) {
        const double zoom = step < 30 ? 1.0 - step * 0.02 : 0.4 + (step - 30) * 0.02;
        const double shift = (step % 10) * 0.5;
        t.start();
        view.setAxisScale(QwtPlot::xBottom, -15 * zoom + shift, 15 * zoom + shift);
        view.setAxisScale(QwtPlot::yLeft, -15 * zoom, 15 * zoom);
        view.replot();
        view.canvas()->repaint();  // paint now, not at the next event loop turn
        frames.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(frames.begin(), frames.end());
    std::printf(
        "10,000 points, 60 pan/zoom frames: median %.1f ms, 95th percentile %.1f ms, max %.1f ms\n",
        frames[frames.size() / 2], frames[frames.size() * 95 / 100], frames.back());
    return 0;
}
