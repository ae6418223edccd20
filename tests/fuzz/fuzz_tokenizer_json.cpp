// tokenizer.json: the fast vocabulary/merges reader, then the whole tokenizer built from it and
// used on a few strings.
#include "fuzz_support.h"
#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto bytes = llmap::fuzz::asView(data, size);
    llmap::fuzz::expectCleanOutcome(
        [&] { llmap::readTokenizerJson(std::string(bytes), "tokenizer.json"); });
    const std::string path = llmap::fuzz::writeScratch("tokenizer.json", bytes);
    llmap::fuzz::expectCleanOutcome([&] {
        const auto tok = llmap::loadTokenizer(path);
        for (const char* text :
             {"Hello world", " 12,345 caf\xc3\xa9\n\n", "\xff\xfe<|endoftext|>", ""}) {
            const auto ids = tok->encode(text, true);
            (void)tok->decode(ids);
        }
    });
    return 0;
}
