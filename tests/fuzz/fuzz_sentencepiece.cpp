// tokenizer.model: LLMap's own protobuf reader, then the SentencePiece tokenizer built from it.
#include "fuzz_support.h"
#include "tokenize/sentencepiece_model_proto.h"
#include "tokenize/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto bytes = llmap::fuzz::asView(data, size);
    llmap::fuzz::expectCleanOutcome(
        [&] { llmap::parseSentencePieceModel(bytes, "tokenizer.model"); });
    const std::string path = llmap::fuzz::writeScratch("tokenizer.model", bytes);
    llmap::fuzz::expectCleanOutcome([&] {
        const auto tok = llmap::loadTokenizer(path);
        for (const char* text : {"Hello world", "  caf\xc3\xa9 \xe2\x96\x81 x", "\xff", ""}) {
            const auto ids = tok->encode(text, true);
            (void)tok->decode(ids);
        }
    });
    return 0;
}
