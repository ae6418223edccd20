#include "text/text_set_builder.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include "text/sampling.h"
#include "text/text_loaders.h"
#include "util/compressed_file.h"
#include "util/error.h"
#include "util/utf8.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

bool isLabelChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

bool isDigits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool hasWildcard(const std::string& s) {
    return s.find_first_of("*?[") != std::string::npos;
}

bool isHidden(const fs::path& relative) {
    for (const fs::path& part : relative) {
        const std::string name = part.string();
        if (name.size() > 1 && name[0] == '.' && name != "..") return true;
    }
    return false;
}

// Every regular, non-hidden file below `dir` whose file name matches `pattern` ("" matches all).
std::vector<InputFile> walk(const fs::path& dir, const std::string& pattern) {
    std::vector<InputFile> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, ec), end;
    if (ec) throw InputError("cannot list the folder: " + ec.message(), dir.string());
    for (; it != end; it.increment(ec)) {
        if (ec) throw InputError("cannot list the folder: " + ec.message(), dir.string());
        const fs::path relative = it->path().lexically_relative(dir);
        if (isHidden(relative) || !it->is_regular_file()) continue;
        const std::string fileName = it->path().filename().string();
        if (!pattern.empty() && fnmatch(pattern.c_str(), fileName.c_str(), 0) != 0) continue;
        files.push_back({it->path().string(), relative.generic_string()});
    }
    return files;
}

std::vector<InputFile> globFiles(const std::string& pattern) {
    // Names are relative to the directory part before the first wildcard.
    const size_t wildcard = pattern.find_first_of("*?[");
    const size_t slash = pattern.rfind('/', wildcard);
    const std::string base = slash == std::string::npos ? "" : pattern.substr(0, slash + 1);
    std::vector<InputFile> files;
    glob_t g{};
    const int rc = glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
            const std::string p = g.gl_pathv[i];
            std::error_code ec;
            if (!fs::is_regular_file(p, ec)) continue;
            files.push_back({p, p.substr(base.size())});
        }
    }
    globfree(&g);
    return files;
}

std::string documentsWhere(const SourceSpec& spec) {
    return spec.label.empty() ? spec.path : spec.label + "=" + spec.path;
}

}  // namespace

DocumentFormat documentFormatFromName(const std::string& name) {
    if (name == "auto") return DocumentFormat::Auto;
    if (name == "file") return DocumentFormat::File;
    if (name == "lines") return DocumentFormat::Lines;
    if (name == "paragraphs") return DocumentFormat::Paragraphs;
    if (name == "jsonl") return DocumentFormat::Jsonl;
    if (name == "csv") return DocumentFormat::Csv;
    throw InputError("unknown document format \"" + name + "\"", "--format",
                     "use auto, file, lines, paragraphs, jsonl or csv");
}

SourceSpec parseSourceSpec(const std::string& spec) {
    SourceSpec result;
    const size_t eq = spec.find('=');
    if (eq != std::string::npos && eq > 0) {
        std::string label = spec.substr(0, eq);
        std::optional<size_t> count;
        if (const size_t colon = label.find(':'); colon != std::string::npos) {
            const std::string digits = label.substr(colon + 1);
            label = label.substr(0, colon);
            if (!isDigits(digits) || digits.size() > 12) {
                throw InputError("the count after \"" + label + ":\" is not a number", spec,
                                 "write LABEL:COUNT=PATH, e.g. fiction:500=books/*.txt");
            }
            count = std::stoull(digits);
            if (*count == 0) {
                throw InputError("a source count must be at least 1", spec,
                                 "drop the source or give it a positive count");
            }
        }
        if (!label.empty() && std::all_of(label.begin(), label.end(), isLabelChar)) {
            result.label = label;
            result.count = count;
            result.path = spec.substr(eq + 1);
        } else if (count) {
            throw InputError("the source label \"" + label +
                                 "\" has characters other than "
                                 "letters, digits, '_', '-' and '.'",
                             spec, "rename the source");
        }
    }
    if (result.path.empty() && result.label.empty()) result.path = spec;
    if (result.path.empty()) {
        throw InputError("the source names no file", spec, "write LABEL=PATH");
    }
    return result;
}

std::vector<InputFile> expandInputPath(const std::string& path) {
    std::vector<InputFile> files;
    const size_t recursive = path.find("**/");
    std::error_code ec;
    if (recursive != std::string::npos) {
        const std::string pattern = path.substr(recursive + 3);
        if (pattern.find('/') != std::string::npos || hasWildcard(path.substr(0, recursive))) {
            throw InputError("only a file-name pattern may follow \"**/\"", path,
                             "write DIR/**/PATTERN, e.g. src/**/*.py");
        }
        const std::string base = recursive == 0 ? "." : path.substr(0, recursive);
        if (!fs::is_directory(base, ec)) {
            throw InputError("no such folder", base, "check the path before \"**/\"");
        }
        files = walk(base, pattern);
    } else if (hasWildcard(path)) {
        files = globFiles(path);
    } else if (fs::is_directory(path, ec)) {
        files = walk(path, "");
    } else if (fs::exists(path, ec)) {
        if (!fs::is_regular_file(path, ec)) {
            throw InputError("not a regular file", path, "name a file, a folder or a pattern");
        }
        files.push_back({path, fs::path(path).filename().string()});
    } else {
        throw InputError("no such file or folder", path, "check the path");
    }
    if (files.empty()) {
        throw InputError("the pattern or folder matches no file", path, "check the path");
    }
    std::sort(files.begin(), files.end(),
              [](const InputFile& a, const InputFile& b) { return a.name < b.name; });
    return files;
}

std::vector<Document> readDocuments(const InputFile& file, DocumentFormat format,
                                    const std::string& csvColumn) {
    DocumentFormat resolved = format;
    if (format == DocumentFormat::Auto) {
        switch (resolveTextFormat(file.path, TextFormat::Auto)) {
            case TextFormat::Jsonl:
                resolved = DocumentFormat::Jsonl;
                break;
            case TextFormat::Csv:
                resolved = DocumentFormat::Csv;
                break;
            default:
                resolved = DocumentFormat::File;
        }
    }
    std::vector<Document> documents;
    if (resolved == DocumentFormat::File) {
        std::string data = readInputFile(file.path);
        if (data.compare(0, 3, "\xEF\xBB\xBF") == 0) data.erase(0, 3);  // a byte-order mark
        requireValidUtf8(data, file.path);
        if (!data.empty()) documents.push_back({file.name, std::move(data), std::nullopt});
        return documents;
    }
    const std::string data = readInputFile(file.path);
    if (data.find_first_not_of(" \t\r\n\f\v") == std::string::npos) return documents;
    TextSet set;
    char separator = '#';
    if (resolved == DocumentFormat::Jsonl) {
        set = loadTextsJsonl(file.path);
    } else if (resolved == DocumentFormat::Csv) {
        set = loadTextsCsv(file.path, csvColumn);
    } else {
        set = loadTextsPlain(file.path, resolved == DocumentFormat::Paragraphs);
        separator = ':';
    }
    documents.reserve(set.size());
    for (size_t i = 0; i < set.size(); ++i) {
        documents.push_back(
            {file.name + separator + set.ids[i], std::move(set.texts[i]),
             set.hasPrompts() ? std::optional(std::move(set.prompts[i])) : std::nullopt});
    }
    return documents;
}

TextSet buildTextSet(const std::vector<SourceSpec>& sources, const BuildOptions& options,
                     std::vector<SourceReport>* report) {
    if (sources.empty()) {
        throw InputError("no source given", "texts build", "name at least one LABEL=PATH");
    }
    struct Candidate {
        size_t source;
        std::string id;
        std::string text;
        std::optional<std::string> prompt;
    };
    std::optional<std::string> firstKindAt;  // where the first document came from
    bool pairs = false;
    std::vector<Candidate> candidates;
    std::vector<SourceReport> reports(sources.size());
    std::vector<std::pair<size_t, size_t>> ranges(sources.size());  // [first, last) in candidates
    for (size_t s = 0; s < sources.size(); ++s) {
        const SourceSpec& spec = sources[s];
        SourceReport& r = reports[s];
        r.label = spec.label;
        ranges[s].first = candidates.size();
        const std::string prefix = spec.label.empty() ? "" : spec.label + ":";
        for (const InputFile& file : expandInputPath(spec.path)) {
            ++r.files;
            for (Document& doc : readDocuments(file, options.format, options.csvColumn)) {
                ++r.documents;
                if (!firstKindAt) {
                    firstKindAt = file.path;
                    pairs = doc.prompt.has_value();
                } else if (pairs != doc.prompt.has_value()) {
                    throw InputError(
                        std::string(pairs ? "plain texts" : "prompt-response pairs") + ", but " +
                            *firstKindAt + " holds " +
                            (pairs ? "prompt-response pairs" : "plain texts"),
                        file.path,
                        "build plain texts and prompt-response pairs into separate sets");
                }
                if (doc.prompt) {  // a pair is kept whole: it is not cut into chunks
                    ++r.chunks;
                    candidates.push_back(
                        {s, prefix + doc.id, std::move(doc.text), std::move(doc.prompt)});
                    continue;
                }
                r.chunks += cutIntoChunks(doc.text, options.limits.maxBytes).size();
                for (const Chunk& c : keptChunks(doc.text, options.limits)) {
                    candidates.push_back({s, prefix + doc.id + "@" + std::to_string(c.offset),
                                          std::string(c.text), std::nullopt});
                }
            }
        }
        ranges[s].second = candidates.size();
        r.kept = ranges[s].second - ranges[s].first;
        if (r.kept == 0) {
            throw InputError("no chunk longer than " + std::to_string(options.limits.minBytes) +
                                 " bytes in " + std::to_string(r.documents) + " documents",
                             documentsWhere(spec),
                             "give longer documents, another --format, or drop the source");
        }
        if (spec.count && *spec.count > r.kept) {
            throw InputError("asks for " + std::to_string(*spec.count) + " texts but has only " +
                                 std::to_string(r.kept) + " chunks longer than " +
                                 std::to_string(options.limits.minBytes) + " bytes",
                             documentsWhere(spec), "lower its count");
        }
    }

    std::vector<char> chosen(candidates.size(), 0);
    SplitMix64 rng(options.seed);
    size_t fixed = 0;
    for (size_t s = 0; s < sources.size(); ++s) {
        if (!sources[s].count) continue;
        fixed += *sources[s].count;
        for (size_t i : sampleIndices(reports[s].kept, *sources[s].count, rng)) {
            chosen[ranges[s].first + i] = 1;
        }
    }
    std::vector<size_t> pool;
    for (size_t s = 0; s < sources.size(); ++s) {
        if (sources[s].count) continue;
        for (size_t i = ranges[s].first; i < ranges[s].second; ++i) pool.push_back(i);
    }
    if (options.count) {
        if (fixed > *options.count) {
            throw InputError("the source counts add up to " + std::to_string(fixed) +
                                 ", more than --count " + std::to_string(*options.count),
                             "texts build", "raise --count or lower the source counts");
        }
        const size_t rest = *options.count - fixed;
        if (rest > pool.size()) {
            throw InputError("--count " + std::to_string(*options.count) + " asks for " +
                                 std::to_string(rest) +
                                 " texts from the sources without a count, which have only " +
                                 std::to_string(pool.size()) + " chunks longer than " +
                                 std::to_string(options.limits.minBytes) + " bytes",
                             "texts build", "lower --count or add sources");
        }
        for (size_t i : sampleIndices(pool.size(), rest, rng)) chosen[pool[i]] = 1;
    } else {
        for (size_t i : pool) chosen[i] = 1;
    }

    TextSet set;
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < candidates.size(); ++i) {
        if (!chosen[i]) continue;
        Candidate& c = candidates[i];
        if (!seen.insert(c.id).second) {
            throw InputError("the text id \"" + c.id + "\" appears twice",
                             documentsWhere(sources[c.source]),
                             "name each file once, or give the sources different labels");
        }
        ++reports[c.source].chosen;
        set.ids.push_back(std::move(c.id));
        set.texts.push_back(std::move(c.text));
        set.sources.push_back(sources[c.source].label);
        if (c.prompt) set.prompts.push_back(std::move(*c.prompt));
    }
    if (report) *report = std::move(reports);
    return set;
}

}  // namespace llmap
