// Placeholder while tokenizer.model reading moves off libsentencepiece (whose embedded protobuf
// clashes with libtorch's in one process).
#include "tokenize/loaders.h"
#include "util/error.h"

namespace llmap {

std::unique_ptr<Tokenizer> loadSentencePiece(const std::string& path) {
    throw InputError("tokenizer.model is not supported in this build", path, "use tokenizer.json");
}

}  // namespace llmap
