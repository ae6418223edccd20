#include "util/utc_time.h"

#include <ctime>

namespace llmap {

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);  // std::gmtime shares one static buffer between threads
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return when;
}

}  // namespace llmap
