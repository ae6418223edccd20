#include "cli/provenance.h"

#include <unistd.h>

#include "util/utc_time.h"
#include "util/version.h"

namespace llmap::cli {

nlohmann::json provenanceRecord(const std::string& action) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    return {{"action", action},
            {"time", utcNow()},
            {"llmap_version", LLMAP_VERSION},
            {"host", host},
            {"tool", "llmap-cli"}};
}

}  // namespace llmap::cli
