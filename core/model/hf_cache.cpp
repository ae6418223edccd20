#include "model/hf_cache.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace llmap {

namespace fs = std::filesystem;

std::string defaultHuggingFaceHub() {
    if (const char* hfHome = std::getenv("HF_HOME"); hfHome && *hfHome) {
        return (fs::path(hfHome) / "hub").string();
    }
    if (const char* home = std::getenv("HOME"); home && *home) {
        return (fs::path(home) / ".cache" / "huggingface" / "hub").string();
    }
    return {};
}

namespace {

// "models--ORG--NAME" -> "ORG/NAME" (names may hold single dashes).
std::string repoId(const std::string& folderName) {
    std::string rest = folderName.substr(std::string("models--").size());
    std::string id;
    size_t pos = 0;
    while (true) {
        size_t sep = rest.find("--", pos);
        id += rest.substr(pos, sep == std::string::npos ? std::string::npos : sep - pos);
        if (sep == std::string::npos) break;
        id += '/';
        pos = sep + 2;
    }
    return id;
}

fs::path chooseSnapshot(const fs::path& repo) {
    std::error_code ec;
    std::ifstream ref(repo / "refs" / "main");
    std::string revision;
    if (ref && std::getline(ref, revision) && fs::is_directory(repo / "snapshots" / revision, ec)) {
        return repo / "snapshots" / revision;
    }
    fs::path newest;
    fs::file_time_type newestTime{};
    for (const auto& entry : fs::directory_iterator(repo / "snapshots", ec)) {
        if (!entry.is_directory(ec)) continue;
        const auto t = entry.last_write_time(ec);
        if (newest.empty() || t > newestTime) {
            newest = entry.path();
            newestTime = t;
        }
    }
    return newest;
}

}  // namespace

std::vector<CachedModel> findCachedModels(const std::string& hubFolder) {
    std::vector<CachedModel> found;
    std::error_code ec;
    if (hubFolder.empty() || !fs::is_directory(hubFolder, ec)) return found;
    for (const auto& entry : fs::directory_iterator(hubFolder, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("models--", 0) != 0 || !entry.is_directory(ec)) continue;
        const fs::path snapshot = chooseSnapshot(entry.path());
        if (snapshot.empty() || !fs::exists(snapshot / "config.json", ec)) continue;
        found.push_back({repoId(name), snapshot.string()});
    }
    std::sort(found.begin(), found.end(),
              [](const CachedModel& a, const CachedModel& b) { return a.id < b.id; });
    return found;
}

}  // namespace llmap
