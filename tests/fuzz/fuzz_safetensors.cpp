// The safetensors reader: the 8-byte length prefix and the JSON header of a whole file.
#include "fuzz_support.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path =
        llmap::fuzz::writeScratch("model.safetensors", llmap::fuzz::asView(data, size));
    llmap::fuzz::expectCleanOutcome([&] {
        const auto header = llmap::readSafetensorsHeader(path);
        for (const auto& [name, t] : header.tensors) {
            // Accepted entries must describe bytes inside the file.
            if (t.end < t.begin || header.dataOffset + t.end > size) std::abort();
            (void)t.elements();
        }
    });
    return 0;
}
