// config.json -> ArchSpec: the model type lookup and every size check of the architectures.
#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "model/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto config = nlohmann::json::parse(llmap::fuzz::asView(data, size), nullptr,
                                              /*allow_exceptions=*/false);
    if (config.is_discarded()) return 0;
    llmap::fuzz::expectCleanOutcome(
        [&] { (void)llmap::archSpecFromConfig(config, "config.json"); });
    return 0;
}
