#include "model/model_card.h"

#include <map>
#include <sstream>

namespace llmap {

namespace {

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

std::string unquote(std::string s) {
    s = trim(s);
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
        return s.substr(1, s.size() - 2);
    }
    return s;
}

// "[a, 'b']" -> {a, b}; "x" -> {x}; "" -> {}.
std::vector<std::string> inlineList(const std::string& value) {
    std::string v = trim(value);
    std::vector<std::string> out;
    if (v.empty()) return out;
    if (v.front() == '[' && v.back() == ']') {
        std::stringstream items(v.substr(1, v.size() - 2));
        std::string item;
        while (std::getline(items, item, ',')) {
            item = unquote(item);
            if (!item.empty()) out.push_back(item);
        }
        return out;
    }
    out.push_back(unquote(v));
    return out;
}

}  // namespace

ModelCard parseModelCard(const std::string& markdown) {
    ModelCard card;
    std::stringstream in(markdown);
    std::string line;
    if (!std::getline(in, line) || trim(line) != "---") return card;

    std::map<std::string, std::vector<std::string>> fields;
    std::string current;  // key whose "- item" lines follow
    while (std::getline(in, line)) {
        if (trim(line) == "---" || trim(line) == "...") break;
        if (trim(line).empty() || trim(line)[0] == '#') continue;
        const std::string t = trim(line);
        if (t.rfind("- ", 0) == 0 || t == "-") {
            if (!current.empty() && line.find_first_not_of(" \t") <= line.find('-')) {
                const std::string item = unquote(t.substr(1));
                if (!item.empty()) fields[current].push_back(item);
            }
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t') continue;  // nested mapping: not needed
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        current = trim(line.substr(0, colon));
        fields[current] = inlineList(line.substr(colon + 1));
    }
    auto first = [&](const char* key) {
        const auto it = fields.find(key);
        return it == fields.end() || it->second.empty() ? std::string() : it->second.front();
    };
    card.baseModel = fields["base_model"];
    card.license = first("license");
    card.language = fields["language"];
    card.tags = fields["tags"];
    card.pipelineTag = first("pipeline_tag");
    return card;
}

}  // namespace llmap
