// The YAML front matter of a model card (README.md).
#include "fuzz_support.h"
#include "model/model_card.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    llmap::fuzz::expectCleanOutcome(
        [&] { (void)llmap::parseModelCard(std::string(llmap::fuzz::asView(data, size))); });
    return 0;
}
