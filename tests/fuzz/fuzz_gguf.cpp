// The GGUF reader: header, metadata, tensor infos and the mapping onto an architecture, over a
// whole file image in memory.
#include "fuzz_support.h"
#include "model/gguf_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    llmap::fuzz::expectCleanOutcome([&] {
        const llmap::GgufModel model = llmap::parseGgufModel(data, size, "model.gguf");
        // An accepted model names an architecture and has a non-negative size.
        if (model.architecture.empty() || model.parameters < 0) std::abort();
    });
    return 0;
}
