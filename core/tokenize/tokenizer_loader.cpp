// loadTokenizer(): picks the loader from what the path is.
#include <filesystem>
#include <fstream>

#include "tokenize/loaders.h"
#include "util/compressed_file.h"
#include "util/error.h"

namespace llmap {

namespace fs = std::filesystem;

namespace {

bool startsWithGguf(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && std::string(magic, 4) == "GGUF";
}

// `name` or `name`.gz inside `dir`, empty when neither exists.
std::string findFile(const fs::path& dir, const std::string& name) {
    std::error_code ec;
    if (fs::is_regular_file(dir / name, ec)) return (dir / name).string();
    if (fs::is_regular_file(dir / (name + ".gz"), ec)) return (dir / (name + ".gz")).string();
    return {};
}

}  // namespace

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec)) {
        if (auto f = findFile(p, "tokenizer.json"); !f.empty()) return loadHfTokenizerJson(f);
        if (auto f = findFile(p, "tokenizer.model"); !f.empty()) return loadSentencePiece(f);
        const std::string vocab = findFile(p, "vocab.json"), merges = findFile(p, "merges.txt");
        if (!vocab.empty() && !merges.empty()) return loadVocabMerges(vocab, merges);
        for (const auto& entry : fs::directory_iterator(p, ec)) {
            const std::string n = entry.path().filename().string();
            if (entry.path().extension() == ".gguf" ||
                (n.size() > 8 && n.compare(n.size() - 8, 8, ".gguf.gz") == 0)) {
                return loadGgufVocab(entry.path().string());
            }
        }
        throw InputError("no tokenizer in this folder", path,
                         "the folder needs tokenizer.json, tokenizer.model, vocab.json + "
                         "merges.txt, or a .gguf file");
    }
    if (!fs::is_regular_file(p, ec)) {
        throw InputError("no such file or folder", path,
                         "give a model folder, tokenizer.json, tokenizer.model or .gguf");
    }
    std::string name = p.filename().string();
    if (hasGzipSuffix(name)) name.resize(name.size() - 3);
    const std::string ext = fs::path(name).extension().string();
    if (ext == ".gguf" || (!hasGzipSuffix(path) && startsWithGguf(p))) return loadGgufVocab(path);
    if (ext == ".json") {
        if (name == "vocab.json") {
            const std::string merges =
                findFile(p.parent_path().empty() ? fs::path(".") : p.parent_path(), "merges.txt");
            if (merges.empty())
                throw InputError("vocab.json without merges.txt beside it", path,
                                 "put merges.txt next to vocab.json");
            return loadVocabMerges(path, merges);
        }
        return loadHfTokenizerJson(path);
    }
    if (ext == ".model") return loadSentencePiece(path);
    throw InputError("unrecognised tokenizer file", path,
                     "give a model folder, tokenizer.json, tokenizer.model, vocab.json (with "
                     "merges.txt) or .gguf");
}

}  // namespace llmap
