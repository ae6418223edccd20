// Text sets: the first byte picks the format (JSONL, lines, documents, CSV), the rest is the file.
#include "fuzz_support.h"
#include "text/text_loaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const struct {
        llmap::TextFormat format;
        const char* name;
    } kFormats[] = {{llmap::TextFormat::Jsonl, "texts.jsonl"},
                    {llmap::TextFormat::Lines, "texts.txt"},
                    {llmap::TextFormat::Documents, "texts.txt"},
                    {llmap::TextFormat::Csv, "texts.csv"}};
    const auto& f = kFormats[data[0] % 4];
    const std::string path =
        llmap::fuzz::writeScratch(f.name, llmap::fuzz::asView(data + 1, size - 1));
    llmap::fuzz::expectCleanOutcome([&] {
        llmap::TextLoadOptions options;
        options.format = f.format;
        const auto set = llmap::loadTextSet(path, options);
        if (set.texts.empty() || set.ids.size() != set.size() || set.sources.size() != set.size() ||
            (set.hasPrompts() && set.prompts.size() != set.size())) {
            std::abort();  // loaders refuse empty sets and keep the columns aligned
        }
        (void)set.contentHash();
    });
    return 0;
}
