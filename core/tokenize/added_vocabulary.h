#pragma once
// Added tokens (special or not) that are cut out of the text before the model sees it, with
// Hugging Face's single_word / lstrip / rstrip / normalized rules.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmap {

struct AddedToken {
    int32_t id = 0;
    std::string content;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
    bool special = false;
};

struct Segment {
    std::string text;
    std::optional<int32_t> id;  // set when the segment is an added token
    bool atStart = false;
};

class AddedVocabulary {
public:
    void add(const AddedToken& token);
    bool empty() const { return tokens_.empty(); }
    const std::vector<AddedToken>& tokens() const { return tokens_; }
    std::optional<int32_t> find(std::string_view content) const;
    // Prepares matching; normalized tokens are matched in their normalised form (as Hugging Face
    // does). Call after the last add() and before split().
    void normalizeContents(const class Normalizer* normalizer);

    // Cuts the tokens whose `normalized` flag equals `normalized` out of `segments`' text parts.
    void split(std::vector<Segment>& segments, bool normalized) const;

private:
    struct Matcher {
        std::vector<size_t> byFirstByte[256];  // indices into tokens_, longest first
        bool any = false;
    };
    void rebuild(Matcher& m, bool normalized) const;
    void splitOne(const Segment& seg, const Matcher& m, std::vector<Segment>& out) const;

    std::vector<AddedToken> tokens_;
    std::vector<std::string> matchText_;  // what is searched for each token
    std::unordered_map<std::string, size_t> byContent_;
    Matcher raw_, norm_;
};

}  // namespace llmap
