#include "text/text_set.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

#include "util/compressed_file.h"
#include "util/error.h"
#include "util/memory.h"
#include "util/sha256.h"
#include "util/utf8.h"

namespace llmap {

std::string TextSet::contentHash() const {
    Sha256 h;
    for (const std::string& t : texts) {
        unsigned char len[8];
        uint64_t n = t.size();
        for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
        h.update(std::string_view(reinterpret_cast<const char*>(len), 8));
        h.update(t);
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
        if (!record.is_object() || !record.contains("text") || !record["text"].is_string()) {
            throw InputError("the record has no string field \"text\"", where,
                             "write one JSON object per line with a \"text\" string");
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
        set.texts.push_back(record["text"].get<std::string>());
        set.sources.push_back(std::move(source));
    }
    if (set.size() == 0) {
        throw InputError("the file holds no texts", path, "write one JSON object per line");
    }
    return set;
}

}  // namespace llmap
