// The CSV imports: the first byte picks the reader (score matrix, model metadata, benchmark
// scores, plain CSV), the rest is the file.
#include "analysis/benchmark_csv.h"
#include "fuzz_support.h"
#include "store/matrix_csv.h"
#include "store/model_metadata.h"
#include "util/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string path =
        llmap::fuzz::writeScratch("input.csv", llmap::fuzz::asView(data + 1, size - 1));
    llmap::fuzz::expectCleanOutcome([&] {
        switch (data[0] % 4) {
            case 0: {
                const auto table = llmap::readScoreCsv(path, {"t1", "t2", "t3"});
                for (const auto& row : table.rows) {
                    if (row.size() != 3) std::abort();
                }
                break;
            }
            case 1:
                (void)llmap::readMetadataCsv(path);
                break;
            case 2: {
                const auto table = llmap::readBenchmarkCsv(path, {"m1", "m2", "m3"});
                if (table.scores.rows() != 3) std::abort();
                break;
            }
            default:
                (void)llmap::readCsv(path);
                break;
        }
    });
    return 0;
}
