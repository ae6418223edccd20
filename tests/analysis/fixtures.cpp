#include "fixtures.h"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "util/csv.h"

namespace fixtures {

std::string path(const std::string& name) {
    return std::string(LLMAP_TEST_DATA) + "/analysis/" + name;
}

Eigen::MatrixXd matrix(const std::string& name) {
    llmap::CsvTable t = llmap::readCsv(path(name));
    if (t.rows.empty()) throw std::runtime_error("empty fixture " + name);
    Eigen::MatrixXd m(static_cast<Eigen::Index>(t.rows.size()),
                      static_cast<Eigen::Index>(t.rows[0].size()));
    for (size_t r = 0; r < t.rows.size(); ++r) {
        if (t.rows[r].size() != t.rows[0].size()) throw std::runtime_error("ragged " + name);
        for (size_t c = 0; c < t.rows[r].size(); ++c) {
            double v = 0;
            if (!llmap::parseDouble(t.rows[r][c], v))
                throw std::runtime_error("bad cell in " + name);
            m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = v;
        }
    }
    return m;
}

std::vector<std::string> lines(const std::string& name) {
    std::ifstream in(path(name));
    if (!in) throw std::runtime_error("missing fixture " + name);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

std::string text(const std::string& name) {
    std::ifstream in(path(name));
    if (!in) throw std::runtime_error("missing fixture " + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

double maxDiffUpToSign(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e300;
    double worst = 0;
    for (Eigen::Index c = 0; c < a.cols(); ++c) {
        const double plus = (a.col(c) - b.col(c)).cwiseAbs().maxCoeff();
        const double minus = (a.col(c) + b.col(c)).cwiseAbs().maxCoeff();
        worst = std::max(worst, std::min(plus, minus));
    }
    return worst;
}

double adjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b) {
    std::map<std::pair<int, int>, double> joint;
    std::map<int, double> ca, cb;
    for (size_t i = 0; i < a.size(); ++i) {
        joint[{a[i], b[i]}] += 1;
        ca[a[i]] += 1;
        cb[b[i]] += 1;
    }
    auto comb2 = [](double n) { return n * (n - 1) / 2; };
    double index = 0, sa = 0, sb = 0;
    for (auto& [k, v] : joint) index += comb2(v);
    for (auto& [k, v] : ca) sa += comb2(v);
    for (auto& [k, v] : cb) sb += comb2(v);
    const double expected = sa * sb / comb2(static_cast<double>(a.size()));
    const double maxIndex = (sa + sb) / 2;
    if (maxIndex == expected) return 1.0;
    return (index - expected) / (maxIndex - expected);
}

}  // namespace fixtures
