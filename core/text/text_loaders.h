#pragma once
// Reading a text set as it is (no cutting): JSONL (loadTextsJsonl in text_set.h), plain text and
// CSV. Every loader reads gzip files transparently, refuses invalid UTF-8 and empty sets, and names
// the file and line of the first problem.
#include <string>

#include "text/text_set.h"

namespace llmap {

enum class TextFormat {
    Auto,   // from the name (".gz" ignored): .jsonl/.ndjson/.json -> Jsonl, .csv -> Csv, else Lines
    Jsonl,  // one JSON object per line: "text" or "prompt" + "response", optional "id", "source"
    Lines,  // one text per non-blank line
    Documents,  // texts separated by one or more blank lines; a text's lines keep their "\n"
    Csv,        // RFC 4180 with a header row; the text column, optional "id" and "source" columns
};

struct TextLoadOptions {
    TextFormat format = TextFormat::Auto;
    std::string csvColumn = "text";
    std::string source;  // the label for texts whose format carries none (Lines, Documents)
};

// "auto", "jsonl", "lines", "documents", "csv"; throws InputError otherwise.
TextFormat textFormatFromName(const std::string& name);
TextFormat resolveTextFormat(const std::string& path, TextFormat format);

// Lines: ids are the 1-based line numbers; Documents: the 1-based line on which each text starts.
TextSet loadTextsPlain(const std::string& path, bool documents, const std::string& source = {});
TextSet loadTextsCsv(const std::string& path, const std::string& column = "text");
TextSet loadTextSet(const std::string& path, const TextLoadOptions& options = {});

// One JSON object per line with keys "id", "source", "text" (or "prompt", "response"); gzip when `path`
// ends in ".gz". Written atomically.
void writeTextsJsonl(const TextSet& texts, const std::string& path);

}  // namespace llmap
