#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp =
    R"(Usage: llmap-cli tokenize --tokenizer PATH (--text S | --file F) [--no-special] [--format ids|json]

Encodes a text into token ids exactly as the model's own tokenizer does in Hugging Face
transformers (AutoTokenizer.encode). PATH is a model folder, a tokenizer.json, a tokenizer.model or a
.gguf file.

  --text S        the text
  --file F        the text is the bytes of F, exactly as they are (nothing stripped)
  --no-special    no BOS/EOS or other special tokens (encode(text, add_special_tokens=False))
  --format ids    the ids, space-separated on one line (default)
  --format json   {"tokenizer": kind, "count": n, "ids": [...]}

Text that is not valid UTF-8 is read as Python's bytes.decode("utf-8", errors="replace") reads it.
)";
}  // namespace

int runTokenize(int argc, char** argv) {
    Arguments args("tokenize", argc, argv, 2, {"tokenizer", "text", "file", "format"},
                   {"no-special"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string path = args.required("tokenizer");
    const auto text = args.value("text");
    const auto file = args.value("file");
    if (text.has_value() == file.has_value()) {
        throw InputError("give exactly one of --text and --file", "llmap-cli tokenize",
                         "see 'llmap-cli tokenize --help'");
    }
    const std::string format = args.value("format").value_or("ids");
    if (format != "ids" && format != "json") {
        throw InputError("unknown --format \"" + format + "\"", "llmap-cli tokenize",
                         "use ids or json");
    }
    std::string input;
    if (file) {
        std::ifstream in(*file, std::ios::binary);
        if (!in)
            throw InputError("cannot open the file", *file, "check the path and its permissions");
        input.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
        input = *text;
    }
    const auto tokenizer = loadTokenizer(path);
    const std::vector<int32_t> ids = tokenizer->encode(input, !args.flag("no-special"));
    if (format == "json") {
        nlohmann::json out = {
            {"tokenizer", tokenizer->kind()}, {"count", ids.size()}, {"ids", ids}};
        std::cout << out.dump() << "\n";
    } else {
        for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
        std::cout << "\n";
    }
    return 0;
}

}  // namespace llmap::cli
