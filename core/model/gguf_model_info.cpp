// ModelInfo of a GGUF file: sizes from the mapped config, the tokenizer from tokenizer.ggml.*,
// quantisation and bits per weight from the tensor directory.
#include <filesystem>
#include <fstream>

#include "model/gguf_model.h"
#include "model/model_info.h"
#include "model/model_source.h"
#include "model/registry.h"
#include "tokenize/gguf_pre_tokenizers.h"
#include "util/error.h"
#include "util/sha256.h"

namespace llmap {

namespace {

// SHA-256 of the bytes before the tensor data: every key and the tensor directory.
std::string headerHash(const GgufFile& f) {
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes(static_cast<size_t>(f.dataOffset()), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (static_cast<uint64_t>(in.gcount()) != f.dataOffset()) {
        throw InputError("cannot read the header again", f.path(), "check the file");
    }
    Sha256 hash;
    hash.update(bytes);
    return hash.hex();
}

}  // namespace

ModelInfo readGgufModelInfo(const ModelSource& source) {
    const std::string& path = source.path;
    const GgufModel& m = *source.gguf;
    const GgufFile& f = m.file;
    const ArchSpec& spec = source.spec;
    ModelInfo info;
    info.path = path;
    info.modelType = m.config["model_type"].get<std::string>();
    info.architectures = {"gguf:" + m.architecture};
    info.parameters = m.parameters;
    info.hiddenSize = spec.hidden;
    info.layers = spec.layers;
    info.heads = spec.heads;
    info.kvHeads = spec.kvHeads;
    info.contextLength = spec.context;
    info.vocabSize = spec.vocab;
    info.torchDtype = "";
    info.quantisation = m.quantisation;
    info.bitsPerWeight = m.bitsPerWeight;
    info.bosTokenId = m.config.value("bos_token_id", int64_t(-1));
    info.eosTokenId = m.config.value("eos_token_id", int64_t(-1));
    info.weightFiles = 1;
    info.weightBytes = static_cast<int64_t>(m.weightBytes);
    info.configHash = headerHash(f);
    const std::string tokenizer = f.getString("tokenizer.ggml.model").value_or("");
    info.tokenizerKind = tokenizer.empty() ? "" : "gguf/" + tokenizer;
    // The same default as the GGUF vocabulary loader: SentencePiece vocabularies add BOS, byte-
    // level BPE ones as llama.cpp does for their pre-tokenizer; the key decides when present.
    const auto pre = ggufPreTokenizer(f.getString("tokenizer.ggml.pre").value_or("gpt-2"));
    const bool addsBos = tokenizer == "llama" || (tokenizer == "gpt2" && pre && pre->addBos);
    info.addsBos = f.getBool("tokenizer.ggml.add_bos_token").value_or(addsBos);
    if (auto license = f.getString("general.license")) info.license = *license;
    return info;
}

}  // namespace llmap
