// Benchmarks of core/analysis (not tests: run by tests/oracle/analysis/bench.py, or by hand).
//   bench_analysis tsne IN.bin OUT.csv [--seed S] [--method M] [--angle A] [--threads T]
//                                           t-SNE (paper defaults unless given) of a K x N matrix
//   bench_analysis pca K N                  clip + double centring + randomised PCA of a synthetic
//                                           K x N matrix; time and memory beyond the matrix
//   bench_analysis kl K N                   the K x K KL matrix of a synthetic K x N matrix
// IN.bin: int64 K, int64 N, then K*N float64 row-major (little-endian).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "analysis/geometry.h"
#include "analysis/kl.h"
#include "analysis/parallel.h"
#include "analysis/pca.h"
#include "analysis/tsne.h"

namespace {

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Resident and peak resident memory of this process in MB (/proc/self/status).
std::pair<double, double> memoryMb() {
    std::ifstream in("/proc/self/status");
    std::string key;
    double rss = 0, peak = 0;
    while (in >> key) {
        if (key == "VmRSS:") in >> rss;
        if (key == "VmHWM:") in >> peak;
    }
    return {rss / 1024.0, peak / 1024.0};
}

// A log-likelihood-like matrix: text difficulty + model level + family direction + noise.
Eigen::MatrixXd synthetic(Eigen::Index k, Eigen::Index n) {
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const int families = 12;
    Eigen::MatrixXd dirs(families, n);
    for (Eigen::Index i = 0; i < dirs.size(); ++i) dirs.data()[i] = 25 * normal(rng);
    Eigen::RowVectorXd difficulty(n);
    for (Eigen::Index s = 0; s < n; ++s) difficulty(s) = -900 + 700 * unit(rng);
    Eigen::MatrixXd l(k, n);
    for (Eigen::Index i = 0; i < k; ++i) {
        const double level = 30 * normal(rng);
        const auto f = static_cast<Eigen::Index>(rng() % families);
        for (Eigen::Index s = 0; s < n; ++s) {
            l(i, s) = difficulty(s) + level + dirs(f, s) + 8 * normal(rng);
        }
    }
    return l;
}

int tsneBench(const std::string& in, const std::string& out, int argc, char** argv) {
    llmap::TsneOptions options;
    for (int a = 0; a + 1 < argc; a += 2) {
        const std::string key = argv[a], value = argv[a + 1];
        if (key == "--seed") {
            options.seed = std::stoull(value);
        } else if (key == "--method") {
            options.method = value;
        } else if (key == "--angle") {
            options.angle = std::stod(value);
        } else if (key == "--threads") {
            llmap::parallelThreads() = std::stoul(value);
        } else {
            std::cerr << "unknown option " << key << "\n";
            return 2;
        }
    }
    std::ifstream f(in, std::ios::binary);
    int64_t k = 0, n = 0;
    f.read(reinterpret_cast<char*>(&k), 8);
    f.read(reinterpret_cast<char*>(&n), 8);
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(k, n);
    f.read(reinterpret_cast<char*>(m.data()), static_cast<std::streamsize>(8 * k * n));
    if (!f) {
        std::cerr << "cannot read " << in << "\n";
        return 1;
    }
    const Eigen::MatrixXd x = m;
    const auto t0 = std::chrono::steady_clock::now();
    llmap::TsneResult r = llmap::tsne(x, options);
    const double s = seconds(t0);
    std::ofstream o(out);
    o.precision(17);
    for (Eigen::Index i = 0; i < r.embedding.rows(); ++i) {
        o << r.embedding(i, 0) << "," << r.embedding(i, 1) << "\n";
    }
    std::printf(
        "{\"seconds\": %.3f, \"kl_divergence\": %.6f, \"method\": \"%s\", \"iterations\": %d}\n", s,
        r.klDivergence, r.method.c_str(), r.iterations);
    return 0;
}

int pcaBench(Eigen::Index k, Eigen::Index n) {
    Eigen::MatrixXd l = synthetic(k, n);
    const auto before = memoryMb();
    const auto t0 = std::chrono::steady_clock::now();
    llmap::Geometry g = llmap::computeGeometry(l);
    const double centring = seconds(t0);
    const auto t1 = std::chrono::steady_clock::now();
    llmap::PcaResult p = llmap::randomizedPca(g.centred, 2, 42);
    const double pcaSeconds = seconds(t1);
    const auto after = memoryMb();
    std::printf(
        "{\"K\": %ld, \"N\": %ld, \"matrix_mb\": %.0f, \"centring_seconds\": %.3f, "
        "\"pca_seconds\": %.3f, \"peak_beyond_matrix_mb\": %.0f, \"ev1\": %.6g}\n",
        static_cast<long>(k), static_cast<long>(n), 8.0 * k * n / 1048576.0, centring, pcaSeconds,
        after.second - before.first, p.explainedVariance(0));
    return 0;
}

int klBench(Eigen::Index k, Eigen::Index n) {
    Eigen::MatrixXd l = synthetic(k, n);
    llmap::Geometry g = llmap::computeGeometry(l);
    l.resize(0, 0);
    const auto t0 = std::chrono::steady_clock::now();
    Eigen::MatrixXd kl = llmap::klNatsPerText(g.centred);
    std::printf("{\"K\": %ld, \"N\": %ld, \"kl_seconds\": %.3f, \"kl_01\": %.6g}\n",
                static_cast<long>(k), static_cast<long>(n), seconds(t0), kl(0, 1));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "tsne" && argc >= 4 && argc % 2 == 0) {
        return tsneBench(argv[2], argv[3], argc - 4, argv + 4);
    }
    if ((mode == "pca" || mode == "kl") && argc == 4) {
        const Eigen::Index k = std::stol(argv[2]), n = std::stol(argv[3]);
        return mode == "pca" ? pcaBench(k, n) : klBench(k, n);
    }
    std::cerr << "usage: bench_analysis tsne IN.bin OUT.csv [--seed S] [--method M] [--angle A] "
                 "[--threads T] | pca K N | kl K N\n";
    return 2;
}
