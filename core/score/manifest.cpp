#include "score/manifest.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "util/error.h"

namespace llmap {

namespace {

constexpr const char* kMagic = "llmap-manifest";
constexpr int kVersion = 1;
constexpr size_t kMaxTasks = 10000000;  // far above any scheduler's array limit
constexpr const char* kColumns = "task\tmodel\tparameters\test_seconds\tfolder";

std::vector<std::string> splitTabs(const std::string& line) {
    std::vector<std::string> out;
    std::string::size_type start = 0;
    while (true) {
        const auto tab = line.find('\t', start);
        out.push_back(line.substr(start, tab - start));
        if (tab == std::string::npos) return out;
        start = tab + 1;
    }
}

void requirePlain(const std::string& s, const std::string& path) {
    if (s.find_first_of("\t\r\n") != std::string::npos) {
        throw InputError("\"" + s + "\" holds a tab or line break, which a manifest cannot hold",
                         path, "rename the folder");
    }
}

}  // namespace

double estimateSeconds(int64_t parameters, double tokens, double flops, double overheadSeconds) {
    return overheadSeconds + 2.0 * static_cast<double>(parameters) * tokens / flops;
}

std::vector<std::vector<PlannedModel>> packTasks(std::vector<PlannedModel> models,
                                                 double packSeconds) {
    std::sort(models.begin(), models.end(), [](const PlannedModel& a, const PlannedModel& b) {
        if (a.seconds != b.seconds) return a.seconds > b.seconds;
        return a.id < b.id;
    });
    std::vector<std::vector<PlannedModel>> tasks;
    std::vector<double> load;
    for (PlannedModel& m : models) {
        size_t target = tasks.size();
        if (packSeconds > 0) {
            for (size_t t = 0; t < tasks.size(); ++t) {
                if (load[t] + m.seconds <= packSeconds) {
                    target = t;
                    break;
                }
            }
        }
        if (target == tasks.size()) {
            tasks.emplace_back();
            load.push_back(0);
        }
        load[target] += m.seconds;
        tasks[target].push_back(std::move(m));
    }
    return tasks;
}

void writeManifest(const std::string& path, const Manifest& m) {
    requirePlain(m.project, path);
    requirePlain(m.shardDir, path);
    std::ostringstream out;
    out.precision(17);
    out << "# " << kMagic << "\t" << kVersion << "\n"
        << "# project\t" << m.project << "\n"
        << "# shard_out\t" << m.shardDir << "\n"
        << "# tasks\t" << m.tasks.size() << "\n"
        << "# tokens\t" << m.tokens << "\n"
        << "# flops\t" << m.flops << "\n"
        << "# overhead_seconds\t" << m.overheadSeconds << "\n"
        << "# pack_seconds\t" << m.packSeconds << "\n"
        << kColumns << "\n";
    out.precision(6);
    for (size_t t = 0; t < m.tasks.size(); ++t) {
        for (const PlannedModel& p : m.tasks[t]) {
            requirePlain(p.id, path);
            requirePlain(p.folder, path);
            out << t << "\t" << p.id << "\t" << p.parameters << "\t" << p.seconds << "\t"
                << p.folder << "\n";
        }
    }
    const std::string partial = path + ".writing";
    {
        std::ofstream f(partial, std::ios::binary | std::ios::trunc);
        f << out.str();
        f.flush();
        if (!f) {
            throw InputError("cannot write the manifest", partial,
                             "check that the folder exists and is writable");
        }
    }
    std::filesystem::rename(partial, path);
}

Manifest readManifest(const std::string& path) {
    const char* fix = "write it with 'llmap-cli plan'";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("cannot read the manifest", path, "check the path");
    Manifest m;
    std::map<std::string, std::string> header;
    std::string line;
    size_t lineNo = 0;
    bool columnsSeen = false;
    size_t declaredTasks = 0;
    std::vector<std::pair<size_t, PlannedModel>> planned;
    auto where = [&] { return path + ":" + std::to_string(lineNo); };
    auto number = [&](const std::string& s, const std::string& what) {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end || errno || !std::isfinite(v) || v < 0) {
            throw InputError(what + " \"" + s + "\" is not a number >= 0", where(), fix);
        }
        return v;
    };
    while (std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (lineNo == 1 && line != std::string("# ") + kMagic + "\t" + std::to_string(kVersion)) {
            throw InputError("not an LLMap manifest (its first line must be \"# " +
                                 std::string(kMagic) + "<TAB>1\")",
                             where(), fix);
        }
        if (line[0] == '#') {
            const auto fields = splitTabs(line.substr(line.rfind("# ", 0) == 0 ? 2 : 1));
            if (fields.size() == 2) header[fields[0]] = fields[1];
            continue;
        }
        if (!columnsSeen) {
            if (line != kColumns) {
                throw InputError("the column line must be \"" + std::string(kColumns) + "\"",
                                 where(), fix);
            }
            columnsSeen = true;
            m.project = header["project"];
            m.shardDir = header["shard_out"];
            if (m.project.empty() || m.shardDir.empty()) {
                throw InputError("the header lacks \"# project\" or \"# shard_out\"", where(), fix);
            }
            const double tasks = number(header["tasks"], "tasks");
            if (tasks != std::floor(tasks) || tasks > kMaxTasks) {
                throw InputError("tasks \"" + header["tasks"] + "\" is not a whole number up to " +
                                     std::to_string(kMaxTasks),
                                 where(), fix);
            }
            declaredTasks = static_cast<size_t>(tasks);
            m.tokens = number(header["tokens"], "tokens");
            m.flops = number(header["flops"], "flops");
            m.overheadSeconds = number(header["overhead_seconds"], "overhead_seconds");
            m.packSeconds = number(header["pack_seconds"], "pack_seconds");
            continue;
        }
        const auto f = splitTabs(line);
        if (f.size() != 5) {
            throw InputError("a model line needs 5 tab-separated fields, this one has " +
                                 std::to_string(f.size()),
                             where(), fix);
        }
        const double task = number(f[0], "task");
        if (task != std::floor(task) || task >= static_cast<double>(declaredTasks)) {
            throw InputError(
                "task " + f[0] + " is not one of 0.." + std::to_string(declaredTasks) + "-1",
                where(), fix);
        }
        if (f[1].empty() || f[4].empty()) {
            throw InputError("a model line lacks its id or folder", where(), fix);
        }
        PlannedModel p;
        p.id = f[1];
        const double parameters = number(f[2], "parameters");
        if (parameters >= 9.2e18) {
            throw InputError("parameters \"" + f[2] + "\" is too large", where(), fix);
        }
        p.parameters = static_cast<int64_t>(parameters);
        p.seconds = number(f[3], "est_seconds");
        p.folder = f[4];
        planned.emplace_back(static_cast<size_t>(task), std::move(p));
    }
    if (lineNo == 0) throw InputError("the manifest is empty", path, fix);
    if (!columnsSeen) throw InputError("the manifest has no column line", path, fix);
    // Every task holds a model line, so the declared count is checked against the lines before
    // anything is sized by it.
    std::vector<bool> used(std::min(declaredTasks, planned.size()), false);
    for (const auto& [task, model] : planned) {
        if (task < used.size()) used[task] = true;
    }
    for (size_t t = 0; t < declaredTasks; ++t) {
        if (t >= used.size() || !used[t]) {
            throw InputError("task " + std::to_string(t) + " has no model", path, fix);
        }
    }
    m.tasks.resize(declaredTasks);
    for (auto& [task, model] : planned) m.tasks[task].push_back(std::move(model));
    return m;
}

}  // namespace llmap
