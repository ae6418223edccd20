#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "text/subset.h"
#include "text/text_loaders.h"
#include "text/text_set_builder.h"
#include "util/error.h"

namespace llmap::cli {

namespace {

const char* kHelp = R"(Usage: llmap-cli texts build --out T.jsonl[.gz] [options] SOURCE...
       llmap-cli texts subset --texts T --out Q.jsonl[.gz] --count N [--seed S]
       llmap-cli texts info --texts T [--format F | --documents] [--csv-column C]

texts build   cuts documents into a text set the way the paper does: consecutive chunks of at most
              1,024 UTF-8 bytes (a cut never splits a character), only chunks longer than 256
              bytes kept, then a seeded random sample. Writes JSONL (id, source, text), gzip when
              the name ends in .gz. JSONL sources of prompt-response pairs ("prompt" and
              "response") give a prompt-response set: each pair is kept whole (not cut).
  SOURCE      LABEL=PATH or LABEL:COUNT=PATH (or just PATH, for texts without a label).
              PATH: a file, a folder (every non-hidden file below it), a pattern (*.txt), or
              DIR/**/PATTERN for files at any depth. LABEL becomes every text's "source";
              COUNT makes this source give exactly COUNT texts.
  --seed S    the sampling seed (default 0); the same inputs and seed give the same set
  --count N   texts in all; sources without a COUNT share what the COUNTs leave, drawn
              uniformly from their pooled chunks (default: keep every chunk of those sources)
  --format F  how a file becomes documents: auto (default: .jsonl records, .csv rows, else the
              whole file), file, lines, paragraphs (blank-line separated), jsonl, csv
  --csv-column C   the text column of CSV inputs (default "text")
  --max-bytes B    chunk size limit (default 1024);  --min-bytes B  keep only longer (default 256)
  Inputs may be gzip-compressed. Invalid UTF-8 is refused (convert the file first).
  Example: llmap-cli texts build --out my.jsonl --seed 1 --count 1000 \
             speeches=corpus/sotu news:200=news.csv 'code=src/**/*.py'

texts subset  draws N texts of T keeping every source's share (stratified by "source": each
              source gets its proportional share, largest remainders first), with a seed;
              the chosen texts keep their order, ids and sources

texts info    count, sources, byte statistics and content hash of a text set (of a
              prompt-response set: the responses' bytes, and the prompts' in a line "kind")
  --format F  auto (by name: .jsonl, .csv, else one text per line), jsonl, lines, documents, csv
  --documents plain text whose texts are separated by blank lines (= --format documents)
)";

size_t parseSize(const Arguments& args, const std::string& name, size_t fallback) {
    auto v = args.value(name);
    if (!v) return fallback;
    if (v->empty() || v->size() > 18 || !std::all_of(v->begin(), v->end(), ::isdigit)) {
        throw InputError("--" + name + " must be a non-negative whole number (got \"" + *v + "\")",
                         "llmap-cli texts", "see 'llmap-cli texts --help'");
    }
    return static_cast<size_t>(std::stoull(*v));
}

int runTextsBuild(int argc, char** argv) {
    Arguments args("texts build", argc, argv, 3,
                   {"out", "seed", "count", "format", "csv-column", "max-bytes", "min-bytes"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string out = args.required("out");
    BuildOptions options;
    options.seed = parseSize(args, "seed", 0);
    if (args.value("count")) options.count = parseSize(args, "count", 0);
    options.limits.maxBytes = parseSize(args, "max-bytes", options.limits.maxBytes);
    options.limits.minBytes = parseSize(args, "min-bytes", options.limits.minBytes);
    if (auto f = args.value("format")) options.format = documentFormatFromName(*f);
    if (auto c = args.value("csv-column")) options.csvColumn = *c;
    if (options.count && *options.count == 0) {
        throw InputError("--count must be at least 1", "llmap-cli texts build", "give --count N");
    }
    std::vector<SourceSpec> sources;
    for (const std::string& spec : args.positionals()) sources.push_back(parseSourceSpec(spec));

    std::vector<SourceReport> report;
    TextSet set = buildTextSet(sources, options, &report);
    writeTextsJsonl(set, out);

    std::cerr << std::left << std::setw(16) << "source" << std::right << std::setw(7) << "files"
              << std::setw(10) << "documents" << std::setw(9) << "chunks" << std::setw(9) << "kept"
              << std::setw(9) << "chosen\n";
    for (const SourceReport& r : report) {
        std::cerr << std::left << std::setw(16) << (r.label.empty() ? "(none)" : r.label)
                  << std::right << std::setw(7) << r.files << std::setw(10) << r.documents
                  << std::setw(9) << r.chunks << std::setw(9) << r.kept << std::setw(8) << r.chosen
                  << "\n";
    }
    std::cout << "wrote " << set.size() << " texts to " << out << " (hash " << set.contentHash()
              << ")\n";
    return 0;
}

int runTextsSubset(int argc, char** argv) {
    Arguments args("texts subset", argc, argv, 3, {"texts", "out", "count", "seed"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string path = args.required("texts");
    const std::string out = args.required("out");
    args.required("count");
    const TextSet set = loadTextSet(path);
    const size_t count = parseSize(args, "count", 0);
    const TextSet subset = stratifiedSubset(set, count, parseSize(args, "seed", 0));
    writeTextsJsonl(subset, out);
    std::cout << "wrote " << subset.size() << " of " << set.size() << " texts to " << out
              << " (hash " << subset.contentHash() << ")\n";
    return 0;
}

int runTextsInfo(int argc, char** argv) {
    Arguments args("texts info", argc, argv, 3, {"texts", "format", "csv-column"}, {"documents"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    TextLoadOptions options;
    if (auto f = args.value("format")) options.format = textFormatFromName(*f);
    if (args.flag("documents")) options.format = TextFormat::Documents;
    if (auto c = args.value("csv-column")) options.csvColumn = *c;
    const std::string path = args.required("texts");
    const TextSet set = loadTextSet(path, options);

    struct Stats {
        size_t count = 0, bytes = 0;
    };
    std::map<std::string, Stats> sources;
    std::vector<size_t> lengths;
    size_t total = 0;
    for (size_t i = 0; i < set.size(); ++i) {
        Stats& s = sources[set.sources[i].empty() ? "(none)" : set.sources[i]];
        ++s.count;
        s.bytes += set.texts[i].size();
        lengths.push_back(set.texts[i].size());
        total += set.texts[i].size();
    }
    std::sort(lengths.begin(), lengths.end());
    const size_t n = lengths.size();
    const double median =
        n % 2 ? double(lengths[n / 2]) : (double(lengths[n / 2 - 1]) + double(lengths[n / 2])) / 2;
    std::cout << "texts    " << n << " (" << path << ")\n"
              << "hash     " << set.contentHash() << "\n"
              << "bytes    total " << total << ", min " << lengths.front() << ", median " << median
              << ", mean " << std::fixed << std::setprecision(1) << set.meanBytes() << ", max "
              << lengths.back() << "\n"
              << "sources  " << sources.size() << "\n";
    if (set.hasPrompts()) {
        size_t promptBytes = 0, longestPrompt = 0;
        for (const std::string& p : set.prompts) {
            promptBytes += p.size();
            longestPrompt = std::max(longestPrompt, p.size());
        }
        std::cout << "kind     prompt-response pairs (the bytes above are the responses'); prompts "
                  << "total " << promptBytes << " bytes, mean " << double(promptBytes) / double(n)
                  << ", max " << longestPrompt << "\n";
    }
    for (const auto& [label, s] : sources) {
        std::cout << "  " << std::left << std::setw(20) << label << std::right << std::setw(8)
                  << s.count << " texts " << std::setw(6) << std::setprecision(1)
                  << 100.0 * double(s.count) / double(n) << " %  mean "
                  << double(s.bytes) / double(s.count) << " bytes\n";
    }
    return 0;
}

}  // namespace

int runTexts(int argc, char** argv) {
    const std::string sub = argc > 2 ? argv[2] : "";
    if (sub == "build") return runTextsBuild(argc, argv);
    if (sub == "info") return runTextsInfo(argc, argv);
    if (sub == "subset") return runTextsSubset(argc, argv);
    if (sub == "--help" || sub == "-h" || sub == "help") {
        std::cout << kHelp;
        return 0;
    }
    throw InputError(sub.empty() ? "missing subcommand" : "unknown subcommand \"" + sub + "\"",
                     "llmap-cli texts", "use 'texts build', 'texts subset' or 'texts info'");
}

}  // namespace llmap::cli
