// nextBatchSize: where a batch ends; BatchBudget: how the batch limits of a run halve on
// out-of-memory and grow back (hand-computed).
#include <QtTest>

#include "score/batch_plan.h"

using llmap::BatchBudget;
using llmap::BatchLimits;

class BatchBudgetTest : public QObject {
    Q_OBJECT

private:
    static void succeed(BatchBudget& b, int times) {
        for (int i = 0; i < times; ++i) b.succeeded();
    }

private Q_SLOTS:
    // Lengths 100, 98, 95, 60 (longest first): padding of a batch of the first n texts is
    // 100n - (sum of their lengths): 2 of 200 (1 %), 7 of 300 (2.3 %), 47 of 400 (11.8 %).
    void batchEndsWherePaddingPassesItsShare() {
        const std::vector<int64_t> lengths{60, 100, 95, 98};
        const std::vector<size_t> order = llmap::longestFirst(lengths);
        QCOMPARE(order, (std::vector<size_t>{1, 3, 2, 0}));
        auto first = [&](double padding) {
            return llmap::nextBatchSize(lengths, order, 0, BatchLimits{4096, 0, padding});
        };
        QCOMPARE(first(1.0), size_t(4));
        QCOMPARE(first(0.1), size_t(3));
        QCOMPARE(first(llmap::defaultPadding(false)), size_t(3));  // 10 %
        QCOMPARE(first(llmap::defaultPadding(true)), size_t(2));   // 1 %
        QCOMPARE(first(0.0), size_t(1));
        QCOMPARE(llmap::nextBatchSize(lengths, order, 0, BatchLimits{250, 0, 1.0}), size_t(2));
        QCOMPARE(llmap::nextBatchSize(lengths, order, 3, BatchLimits{4096, 0, 0.0}), size_t(1));
    }

    // Packed texts: the budget counts real tokens (100 + 98 + 95 = 293, + 60 = 353), padding is
    // free, and the padded batch stays within kPackedPositions (4) x the budget.
    void packedBatchesCountRealTokens() {
        const std::vector<int64_t> lengths{60, 100, 95, 98};
        const std::vector<size_t> order = llmap::longestFirst(lengths);
        auto first = [&](int64_t tokens, int64_t texts) {
            return llmap::nextBatchSize(lengths, order, 0,
                                        BatchLimits{tokens, texts, 0.0, /*packed=*/true});
        };
        QCOMPARE(first(4096, 0), size_t(4));  // 47 of 400 positions are padding
        QCOMPARE(first(352, 0), size_t(3));
        QCOMPARE(first(353, 0), size_t(4));
        QCOMPARE(first(250, 0), size_t(2));
        QCOMPARE(first(50, 0), size_t(1));  // one text always fits
        QCOMPARE(first(4096, 3), size_t(3));
        // One text of 100 and twelve of 5: 10 short ones fit 150 real tokens, but 7 texts padded
        // to 100 would pass 4 x 150 = 600 positions.
        std::vector<int64_t> mixed{100};
        mixed.insert(mixed.end(), 12, 5);
        const std::vector<size_t> mixedOrder = llmap::longestFirst(mixed);
        QCOMPARE(llmap::nextBatchSize(mixed, mixedOrder, 0, BatchLimits{150, 0, 0.0, true}),
                 size_t(6));
        QCOMPARE(llmap::nextBatchSize(mixed, mixedOrder, 1, BatchLimits{150, 0, 0.0, true}),
                 size_t(12));
    }

    void halvesTextsAndTokens() {
        BatchBudget b(BatchLimits{4096, 0, 0.1});
        QVERIFY(b.halve(22));
        QCOMPARE(b.limits().tokens, int64_t(2048));
        QCOMPARE(b.limits().texts, int64_t(11));
        QVERIFY(b.halve(11));
        QCOMPARE(b.limits().tokens, int64_t(1024));
        QCOMPARE(b.limits().texts, int64_t(5));
        QCOMPARE(b.halvings(), 2);
        QCOMPARE(b.limits().padding, 0.1);
    }

    void oneTextCannotBeHalved() {
        BatchBudget b(BatchLimits{4096, 0, 0.1});
        QVERIFY(!b.halve(1));
        QCOMPARE(b.limits().tokens, int64_t(4096));
        QCOMPARE(b.halvings(), 0);
    }

    void growsBackAfterARunOfBatchesThatFit() {
        BatchBudget b(BatchLimits{4096, 0, 0.1});
        QVERIFY(b.halve(8));  // 2048 tokens, 4 texts
        QVERIFY(b.halve(4));  // 1024 tokens, 2 texts
        succeed(b, BatchBudget::kGrowAfter - 1);
        QCOMPARE(b.limits().tokens, int64_t(1024));
        b.succeeded();
        QCOMPARE(b.limits().tokens, int64_t(2048));
        QCOMPARE(b.limits().texts, int64_t(4));
        succeed(b, BatchBudget::kGrowAfter);
        QCOMPARE(b.limits().tokens, int64_t(4096));  // back where it started, with no text limit
        QCOMPARE(b.limits().texts, int64_t(0));
        succeed(b, 3 * BatchBudget::kGrowAfter);
        QCOMPARE(b.limits().tokens, int64_t(4096));  // never above the start
    }

    void stopsGrowingWhenTheGrowthRanOutOfMemory() {
        BatchBudget b(BatchLimits{4096, 16, 0.1});
        QVERIFY(b.halve(16));  // 2048 tokens, 8 texts
        succeed(b, BatchBudget::kGrowAfter);
        QCOMPARE(b.limits().tokens, int64_t(4096));
        QCOMPARE(b.limits().texts, int64_t(16));
        QVERIFY(b.halve(16));  // the grown budget did not fit
        succeed(b, 10 * BatchBudget::kGrowAfter);
        QCOMPARE(b.limits().tokens, int64_t(2048));
        QCOMPARE(b.limits().texts, int64_t(8));
        QCOMPARE(b.halvings(), 2);
    }
};

QTEST_GUILESS_MAIN(BatchBudgetTest)
#include "tst_batch_budget.moc"
