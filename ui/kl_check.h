#pragma once
// "Check KL by sampling" for two models of the map (score/sample_kl.h), in the background: the
// number of samples drawn while it runs, cancel, and the sampled KL(A||B) at the end. The drawing
// thread only counts into atomics; the UI thread reads them on a timer.
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

#include "future_synchronizer.h"
#include "result_ready.h"
#include "score/sample_kl.h"

class QTimer;

namespace llmap::ui {

class KlCheck : public QObject {
    Q_OBJECT
public:
    explicit KlCheck(QObject* parent = nullptr);
    ~KlCheck() override;  // cancels a running check, then waits for it

    bool isRunning() const { return running_; }
    // Starts KL(options.modelA || options.modelB); false while another check runs.
    bool start(SampleKlOptions options);
    void cancel();

Q_SIGNALS:
    void progress(int done, int total);
    void finished(const llmap::SampleKlResult& result);  // result.cancelled when cancelled
    void failed(const QString& message);

private:
    struct Counters {
        std::atomic<int> done{0}, total{0};
        CancelToken cancel;
    };
    std::shared_ptr<Counters> counters_;
    QTimer* poll_ = nullptr;
    bool running_ = false;
    JobGeneration jobs_;
    FutureSynchronizer synchronizer_;
};

}  // namespace llmap::ui
