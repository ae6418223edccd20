// Merge at scale (a benchmark, not a test): writes a synthetic project of 10,000 texts and 1,000
// shards of 10,000 scores each (plus one corrupt and one foreign shard), then times
// 'llmap-cli merge --project P --shard-dir DIR' and reads its peak resident memory. A merge of
// 10 shards is measured too: peak memory that does not grow with the shard count shows that the
// merge holds one shard at a time. Checks afterwards that every row equals its shard.
//
// Usage: bench_merge LLMAP_CLI [--shards 1000] [--texts 10000] [--dir D (default: a temp dir)]
//                    [--baseline OTHER_LLMAP_CLI]   (same merge by another build, shards as
//                    arguments)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "score/shard.h"
#include "store/project.h"

namespace fs = std::filesystem;

namespace {

struct Run {
    int status;
    double seconds;
    long peakKb;
};

Run runQuiet(const std::vector<std::string>& argv, const std::string& errFile) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        if (!std::freopen(errFile.c_str(), "w", stderr)) _exit(126);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    struct rusage usage {};
    wait4(pid, &status, 0, &usage);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, s, usage.ru_maxrss};
}

llmap::TextSet texts(size_t n) {
    llmap::TextSet t;
    for (size_t i = 0; i < n; ++i) {
        t.texts.push_back("synthetic text number " + std::to_string(i) + " of the benchmark.");
        t.ids.push_back("t" + std::to_string(i));
        t.sources.push_back(i % 2 ? "prose" : "code");
    }
    return t;
}

llmap::Shard shard(const std::string& hash, size_t k, size_t n, std::mt19937_64& rng) {
    llmap::Shard s;
    s.textSetHash = hash;
    s.convention = "full";
    s.model.id = "synthetic-" + std::to_string(k);
    s.model.metadataJson = "{\"family\":\"f" + std::to_string(k % 7) + "\"}";
    std::normal_distribution<double> ll(-120, 30);
    s.loglik.resize(n);
    s.tokens.resize(n);
    for (size_t i = 0; i < n; ++i) {
        s.loglik[i] = ll(rng);
        s.tokens[i] = static_cast<int32_t>(20 + i % 40);
    }
    s.provenance.push_back("{\"action\":\"score\",\"model\":\"" + s.model.id + "\"}");
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_merge LLMAP_CLI [--shards 1000] [--texts 10000] [--dir D]\n";
        return 2;
    }
    const std::string cli = fs::absolute(argv[1]).string();
    size_t shards = 1000, n = 10000;
    std::string dir, baseline;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--shards") shards = std::stoul(argv[i + 1]);
        if (a == "--texts") n = std::stoul(argv[i + 1]);
        if (a == "--dir") dir = argv[i + 1];
        if (a == "--baseline") baseline = fs::absolute(argv[i + 1]).string();
    }
    if (dir.empty()) {
        char tmpl[] = "/tmp/llmap-bench-merge.XXXXXX";
        dir = mkdtemp(tmpl);
    }
    fs::create_directories(dir + "/shards");
    fs::create_directories(dir + "/small");

    const auto t0 = std::chrono::steady_clock::now();
    const llmap::TextSet set = texts(n);
    for (const char* p : {"/big.h5", "/small.h5", "/baseline.h5"}) {
        fs::remove(dir + p);
        llmap::Project::create(dir + p, set, "full");
    }
    std::mt19937_64 rng(42);
    for (size_t k = 0; k < shards; ++k) {
        const llmap::Shard s = shard(set.contentHash(), k, n, rng);
        const std::string name = llmap::shardFileName(s.model.id);
        llmap::writeShard(dir + "/shards/" + name, s);
        if (k < 10) fs::copy_file(dir + "/shards/" + name, dir + "/small/" + name);
    }
    std::ofstream(dir + "/shards/corrupt.shard.h5") << "\x89HDF\r\n\x1a\n not really";
    llmap::writeShard(dir + "/shards/foreign.shard.h5", shard("0123abcd", shards, n, rng));
    const double genSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "wrote " << shards << " shards of " << n << " texts (+1 corrupt, +1 foreign) in "
              << genSeconds << " s into " << dir << "\n";

    const Run small =
        runQuiet({cli, "merge", "--project", dir + "/small.h5", "--shard-dir", dir + "/small"},
                 dir + "/small.err");
    const Run big =
        runQuiet({cli, "merge", "--project", dir + "/big.h5", "--shard-dir", dir + "/shards"},
                 dir + "/big.err");
    std::cout << "merge of 10 shards:   " << small.seconds << " s, peak RSS "
              << small.peakKb / 1024.0 << " MiB, exit " << small.status << "\n"
              << "merge of " << shards << " shards: " << big.seconds << " s, peak RSS "
              << big.peakKb / 1024.0 << " MiB, exit " << big.status
              << " (2 expected: the corrupt and the foreign shard are named and skipped)\n";

    if (!baseline.empty()) {
        std::vector<std::string> args{baseline, "merge", "--project", dir + "/baseline.h5"};
        std::vector<std::string> files;
        for (const auto& e : fs::directory_iterator(dir + "/shards")) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        args.insert(args.end(), files.begin(), files.end());
        const Run b = runQuiet(args, dir + "/baseline.err");
        std::cout << "baseline " << baseline << ", " << files.size()
                  << " shards as arguments: " << b.seconds << " s, peak RSS " << b.peakKb / 1024.0
                  << " MiB, exit " << b.status << "\n";
    }

    // Every merged row equals its shard; the two bad files were not merged.
    const llmap::Project p = llmap::Project::open(dir + "/big.h5");
    bool ok = p.modelCount() == shards && big.status == 2 && small.status == 0;
    for (size_t k = 0; ok && k < shards; k += std::max<size_t>(1, shards / 50)) {
        const llmap::Shard s = llmap::readShard(
            dir + "/shards/" + llmap::shardFileName("synthetic-" + std::to_string(k)));
        const auto row = p.findModel(s.model.id);
        ok = row && p.scoreRow(*row) == s.loglik && p.tokenRow(*row) == s.tokens;
    }
    std::cout << (ok ? "check: OK (" : "check: FAILED (") << p.modelCount()
              << " models in the project, sampled rows equal their shards)\n";
    return ok ? 0 : 1;
}
