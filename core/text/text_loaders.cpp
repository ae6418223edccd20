#include "text/text_loaders.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "util/compressed_file.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/file_output.h"
#include "util/memory.h"
#include "util/utf8.h"

namespace llmap {

namespace {

std::string withoutGzipSuffix(const std::string& path) {
    return hasGzipSuffix(path) ? path.substr(0, path.size() - 3) : path;
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isBlank(std::string_view line) {
    return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

void requireSomeTexts(const TextSet& set, const std::string& path, const std::string& fix) {
    if (set.size() == 0) throw InputError("the file holds no texts", path, fix);
}

void requireUniqueIds(const TextSet& set, const std::string& path) {
    std::unordered_set<std::string> seen;
    for (const std::string& id : set.ids) {
        if (!seen.insert(id).second) {
            throw InputError("the id \"" + id + "\" appears twice", path,
                             "give every text its own id");
        }
    }
}

}  // namespace

TextFormat textFormatFromName(const std::string& name) {
    if (name == "auto") return TextFormat::Auto;
    if (name == "jsonl") return TextFormat::Jsonl;
    if (name == "lines") return TextFormat::Lines;
    if (name == "documents") return TextFormat::Documents;
    if (name == "csv") return TextFormat::Csv;
    throw InputError("unknown text format \"" + name + "\"", "--format",
                     "use auto, jsonl, lines, documents or csv");
}

TextFormat resolveTextFormat(const std::string& path, TextFormat format) {
    if (format != TextFormat::Auto) return format;
    const std::string name = withoutGzipSuffix(path);
    if (endsWith(name, ".jsonl") || endsWith(name, ".ndjson") || endsWith(name, ".json")) {
        return TextFormat::Jsonl;
    }
    if (endsWith(name, ".csv")) return TextFormat::Csv;
    return TextFormat::Lines;
}

TextSet loadTextsPlain(const std::string& path, bool documents, const std::string& source) {
    std::string data = readInputFile(path);
    if (data.compare(0, 3, "\xEF\xBB\xBF") == 0) data.erase(0, 3);  // a byte-order mark
    requireValidUtf8(data, path);

    TextSet set;
    MemoryWatch memory("reading the texts", path, "texts");
    auto add = [&](std::string text, size_t line) {
        memory.tick();
        set.ids.push_back(std::to_string(line));
        set.texts.push_back(std::move(text));
        set.sources.push_back(source);
    };
    std::string current;
    size_t currentLine = 0;
    size_t lineNo = 0;
    size_t start = 0;
    while (start < data.size()) {
        size_t end = data.find('\n', start);
        if (end == std::string::npos) end = data.size();
        std::string_view line(data.data() + start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++lineNo;
        start = end + 1;
        if (!documents) {
            if (!isBlank(line)) add(std::string(line), lineNo);
            continue;
        }
        if (isBlank(line)) {
            if (currentLine) add(std::move(current), currentLine);
            current.clear();
            currentLine = 0;
        } else {
            if (currentLine)
                current += '\n';
            else
                currentLine = lineNo;
            current.append(line);
        }
    }
    if (documents && currentLine) add(std::move(current), currentLine);
    requireSomeTexts(
        set, path, documents ? "write texts separated by blank lines" : "write one text per line");
    return set;
}

TextSet loadTextsCsv(const std::string& path, const std::string& column) {
    CsvTable table = readCsv(path);
    if (table.rows.empty()) {
        throw InputError(
            "the file is empty", path,
            "write a header row naming a \"" + column + "\" column, then one row per text");
    }
    const std::vector<std::string>& header = table.rows[0];
    auto find = [&](const std::string& name) -> std::ptrdiff_t {
        auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : it - header.begin();
    };
    const std::ptrdiff_t textColumn = find(column);
    if (textColumn < 0) {
        std::string names;
        for (const std::string& h : header) names += (names.empty() ? "" : ", ") + h;
        throw InputError("the header has no column \"" + column + "\" (it has: " + names + ")",
                         path + ":" + std::to_string(table.lines[0]),
                         "name the text column with --csv-column");
    }
    const std::ptrdiff_t idColumn = find("id");
    const std::ptrdiff_t sourceColumn = find("source");

    TextSet set;
    MemoryWatch memory("reading the texts", path, "texts");
    for (size_t r = 1; r < table.rows.size(); ++r) {
        memory.tick();
        const std::vector<std::string>& row = table.rows[r];
        const std::string where = path + ":" + std::to_string(table.lines[r]);
        if (row.size() != header.size()) {
            throw InputError("the row has " + std::to_string(row.size()) + " fields, the header " +
                                 std::to_string(header.size()),
                             where, "quote fields that contain commas or line breaks");
        }
        const std::string& text = row[static_cast<size_t>(textColumn)];
        requireValidUtf8(text, where);
        set.ids.push_back(idColumn >= 0 ? row[static_cast<size_t>(idColumn)]
                                        : std::to_string(set.size()));
        set.texts.push_back(text);
        set.sources.push_back(sourceColumn >= 0 ? row[static_cast<size_t>(sourceColumn)] : "");
    }
    requireSomeTexts(set, path, "add one row per text below the header");
    requireUniqueIds(set, path);
    return set;
}

TextSet loadTextSet(const std::string& path, const TextLoadOptions& options) {
    TextSet set;
    switch (resolveTextFormat(path, options.format)) {
        case TextFormat::Jsonl:
            set = loadTextsJsonl(path);
            break;
        case TextFormat::Csv:
            set = loadTextsCsv(path, options.csvColumn);
            break;
        case TextFormat::Documents:
            return loadTextsPlain(path, true, options.source);
        case TextFormat::Auto:
        case TextFormat::Lines:
            return loadTextsPlain(path, false, options.source);
    }
    if (!options.source.empty()) {
        for (std::string& s : set.sources) {
            if (s.empty()) s = options.source;
        }
    }
    return set;
}

void writeTextsJsonl(const TextSet& texts, const std::string& path) {
    std::string out;
    for (size_t i = 0; i < texts.size(); ++i) {
        nlohmann::ordered_json record;
        record["id"] = texts.ids[i];
        record["source"] = texts.sources[i];
        if (texts.hasPrompts()) {
            record["prompt"] = texts.prompts[i];
            record["response"] = texts.texts[i];
        } else {
            record["text"] = texts.texts[i];
        }
        out += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
        out += '\n';
    }
    writeFileAtomically(path, hasGzipSuffix(path) ? gzipCompress(out) : out);
}

}  // namespace llmap
