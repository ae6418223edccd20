#include "text/text_set.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

#include "util/compressed_file.h"
#include "util/error.h"
#include "util/memory.h"
#include "util/sha256.h"
#include "util/utf8.h"

namespace llmap {

namespace {
void hashSized(Sha256& h, const std::string& bytes) {
    unsigned char len[8];
    const uint64_t n = bytes.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    h.update(std::string_view(reinterpret_cast<const char*>(len), 8));
    h.update(bytes);
}
}  // namespace

std::string TextSet::contentHash() const {
    Sha256 h;
    if (hasPrompts()) h.update("prompt-response");
    for (size_t i = 0; i < texts.size(); ++i) {
        if (hasPrompts()) hashSized(h, prompts[i]);
        hashSized(h, texts[i]);
    }
    return h.hex();
}

double TextSet::meanBytes() const {
    if (texts.empty()) return 0.0;
    double total = 0;
    for (const std::string& t : texts) total += static_cast<double>(t.size());
    return total / static_cast<double>(texts.size());
}

TextSet loadTextsJsonl(const std::string& path) {
    const std::string data = readInputFile(path);
    requireValidUtf8(data, path);
    TextSet set;
    MemoryWatch memory("reading the texts", path, "texts");
    std::unordered_set<std::string> seenIds;
    size_t lineNo = 0;
    for (size_t start = 0; start < data.size();) {
        size_t end = data.find('\n', start);
        if (end == std::string::npos) end = data.size();
        std::string line = data.substr(start, end - start);
        start = end + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(lineNo);
        nlohmann::json record;
        try {
            record = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            throw InputError(std::string("not a JSON object: ") + e.what(), where,
                             "write one JSON object per line, e.g. {\"text\": \"...\"}");
        }
        if (!record.is_object()) {
            throw InputError("the line is not a JSON object", where,
                             "write one JSON object per line with a \"text\" string");
        }
        const bool pair = record.contains("prompt") || record.contains("response");
        if (set.size() > 0 && pair != set.hasPrompts()) {
            throw InputError(
                pair ? "a prompt-response pair in a set of plain texts (the first record holds a "
                       "\"text\")"
                     : "a plain text in a set of prompt-response pairs",
                where,
                "keep plain texts and prompt-response pairs in separate sets: every record has "
                "either \"text\" or both \"prompt\" and \"response\"");
        }
        if (pair) {
            for (const char* field : {"prompt", "response"}) {
                if (!record.contains(field) || !record[field].is_string()) {
                    throw InputError(
                        std::string("the record has no string field \"") + field + "\"", where,
                        "give every pair a \"prompt\" and a \"response\" string");
                }
                if (record[field].get<std::string>().empty()) {
                    throw InputError(
                        std::string("the ") + field + " is empty", where,
                        std::string("write a non-empty ") + field + ", or leave the pair out");
                }
            }
            if (record.contains("text")) {
                throw InputError("the record has both \"text\" and a prompt-response pair", where,
                                 "keep either \"text\" or \"prompt\" and \"response\"");
            }
        } else if (!record.contains("text") || !record["text"].is_string()) {
            throw InputError("the record has no string field \"text\"", where,
                             "write one JSON object per line with a \"text\" string, or a "
                             "\"prompt\" and a \"response\"");
        }
        std::string id = std::to_string(set.size());
        if (record.contains("id")) {
            const auto& v = record["id"];
            if (v.is_string())
                id = v.get<std::string>();
            else if (v.is_number_integer())
                id = std::to_string(v.get<long long>());
            else
                throw InputError("\"id\" must be a string or an integer", where);
        }
        if (!seenIds.insert(id).second) {
            throw InputError("the id \"" + id + "\" appears twice", where,
                             "give every text its own id");
        }
        std::string source;
        if (record.contains("source")) {
            if (!record["source"].is_string())
                throw InputError("\"source\" must be a string", where);
            source = record["source"].get<std::string>();
        }
        memory.tick();
        set.ids.push_back(std::move(id));
        if (pair) {
            set.prompts.push_back(record["prompt"].get<std::string>());
            set.texts.push_back(record["response"].get<std::string>());
        } else {
            set.texts.push_back(record["text"].get<std::string>());
        }
        set.sources.push_back(std::move(source));
    }
    if (set.size() == 0) {
        throw InputError("the file holds no texts", path, "write one JSON object per line");
    }
    return set;
}

}  // namespace llmap
