#include "cli/provenance.h"

#include <unistd.h>

#include <ctime>

#include "util/version.h"

namespace llmap::cli {

nlohmann::json provenanceRecord(const std::string& action) {
    char when[32];
    std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    return {{"action", action},
            {"time", when},
            {"llmap_version", LLMAP_VERSION},
            {"host", host},
            {"tool", "llmap-cli"}};
}

}  // namespace llmap::cli
