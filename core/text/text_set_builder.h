#pragma once
// Building a text set from documents the way the paper does (METHOD.md §1): cut every document into
// chunks (chunking.h), keep the long ones, then draw a seeded random sample. Every text keeps the
// label of the source it came from.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "text/chunking.h"
#include "text/text_set.h"

namespace llmap {

// How one input file becomes documents.
enum class DocumentFormat {
    Auto,   // from the name (".gz" ignored): .jsonl/.ndjson/.json -> Jsonl, .csv -> Csv, else File
    File,   // the whole file is one document
    Lines,  // each non-blank line is a document
    Paragraphs,  // blocks separated by blank lines are documents
    Jsonl,       // each record's "text" (or prompt-response pair) is a document ("id" names it)
    Csv,         // each row's text column is a document (its "id" column, when present, names it)
};

// "auto", "file", "lines", "paragraphs", "jsonl", "csv"; throws InputError otherwise.
DocumentFormat documentFormatFromName(const std::string& name);

// One named group of input files: "LABEL=PATH", "LABEL:COUNT=PATH" or just "PATH" (no label).
// PATH is a file, a directory (every file below it), or a pattern: '*', '?', '[...]' as in the
// shell, and "DIR/**/PATTERN" for PATTERN at any depth below DIR. LABEL is letters, digits, '_',
// '-' and '.'; COUNT fixes how many texts this source gives.
struct SourceSpec {
    std::string label;
    std::optional<size_t> count;
    std::string path;
};
SourceSpec parseSourceSpec(const std::string& spec);

// The files a spec's path names, sorted, each with the name that identifies it inside the source
// (its path relative to the fixed directory part of the pattern). Throws InputError when nothing
// matches.
struct InputFile {
    std::string path;
    std::string name;
};
std::vector<InputFile> expandInputPath(const std::string& path);

struct Document {
    std::string id;
    std::string text;  // a pair's response
    std::optional<std::string> prompt;  // set for the pairs of a prompt-response JSONL file
};
// Validates UTF-8 and names each document "NAME" (File), "NAME:LINE" (Lines, Paragraphs: the
// 1-based line where it starts) or "NAME#ID" (Jsonl, Csv: the record's id, else its 0-based index).
std::vector<Document> readDocuments(const InputFile& file, DocumentFormat format,
                                    const std::string& csvColumn = "text");

struct BuildOptions {
    uint64_t seed = 0;
    std::optional<size_t> count;  // total texts; none: every kept chunk of sources without a COUNT
    ChunkLimits limits;
    DocumentFormat format = DocumentFormat::Auto;
    std::string csvColumn = "text";
};

struct SourceReport {
    std::string label;
    size_t files = 0, documents = 0, chunks = 0, kept = 0, chosen = 0;
};

// Sampling: each source with a COUNT gives exactly that many of its kept chunks; the rest of
// `count` is drawn uniformly from the pooled kept chunks of the sources without one. One SplitMix64
// stream seeded with `seed` serves the draws in that order (COUNT sources in the order given, then
// the pool). The chosen chunks keep their input order (sources as given, files sorted, documents
// and chunks in order). Text ids are "LABEL:DOCUMENT@OFFSET" (OFFSET: the chunk's first byte).
// Prompt-response pairs (JSONL sources) are kept whole, neither cut nor filtered by length, with
// ids "LABEL:DOCUMENT"; sources of pairs and of plain texts cannot be mixed. Throws InputError when
// a source yields no kept chunk or fewer than asked for.
TextSet buildTextSet(const std::vector<SourceSpec>& sources, const BuildOptions& options,
                     std::vector<SourceReport>* report = nullptr);

}  // namespace llmap
