#include "tokenize/gguf_pre_tokenizers.h"

#include <map>

namespace llmap {

namespace {

// GPT-2's pattern; the last alternative (\s+) keeps what llama.cpp leaves unmatched as pieces.
const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kDeepseekLlmLetters =
    "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-"
    "\u02af"
    "\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-"
    "\u03f5"
    "\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba"
    "\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45"
    "\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe"
    "\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc"
    "\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139"
    "\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-"
    "\u2cee\u2cf2\u2cf3"
    "\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06"
    "\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\U00010400-\U0001044f\U000104b0-\U000104d3"
    "\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-\U00010cf2\U000118a0-\U000118df"
    "\U0001e900-\U0001e943]+";
const char* kCjk = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+";
const char* kStarcoderMain =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
const char* kGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kBloom = R"( ?[^(\s|.,!?…。，、।۔،)]+)";
const char* kDeepseek3Main =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

const std::map<std::string, GgufPreTokenizer>& table() {
    static const std::map<std::string, GgufPreTokenizer> t = [] {
        std::map<std::string, GgufPreTokenizer> m;
        const GgufPreTokenizer gpt2{{kGpt2}, false};
        const GgufPreTokenizer llama3{{kLlama3}, true};
        const GgufPreTokenizer qwen2{{kQwen2}, false};
        const GgufPreTokenizer starcoder{{R"(\p{N})", kStarcoderMain}, false};
        const GgufPreTokenizer deepseekLlm{
            {"[\r\n]", kDeepseekLlmLetters,
             "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+", "\\s+$", kCjk,
             R"(\p{N}+)"},
            false};
        const GgufPreTokenizer deepseekCoder{
            {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjk, R"(\p{N})"}, false};
        const GgufPreTokenizer deepseek3{
            {R"(\p{N}{1,3})", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+", kDeepseek3Main}, false};
        const GgufPreTokenizer falcon{
            {R"([\p{P}\$\+<=>\^~\|`]+)", kStarcoderMain, "[0-9][0-9][0-9]"}, false};
        const GgufPreTokenizer bloom{{kBloom}, false};
        const GgufPreTokenizer chatglm4{{kLlama3}, false};
        for (const char* n :
             {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
              "a.x-4.0", "mellum", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo",
              "jais", "trillion", "granite-docling", "exaone4"}) {
            m[n] = gpt2;
        }
        for (const char* n : {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral",
                              "midm-2.0", "lfm2", "dbrx", "smaug-bpe"}) {
            m[n] = llama3;
        }
        m["dbrx"].ignoreMerges = false;
        m["smaug-bpe"].ignoreMerges = false;
        for (const char* n :
             {"qwen2", "deepseek-r1-qwen", "kormo", "stablelm2", "megrez", "hunyuan", "grok-2"}) {
            m[n] = qwen2;
        }
        for (const char* n :
             {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"}) {
            m[n] = starcoder;
        }
        m["deepseek-llm"] = deepseekLlm;
        m["deepseek-coder"] = deepseekCoder;
        m["deepseek-v3"] = deepseek3;
        m["hunyuan-dense"] = deepseek3;
        m["falcon"] = falcon;
        m["default"] = {{R"([\p{P}\$\+<=>\^~\|]+)", kStarcoderMain, R"(\p{N}+)", "[0-9][0-9][0-9]"},
                        false};
        for (const char* n : {"poro-chat", "bloom", "gpt3-finnish"}) m[n] = bloom;
        m["viking"] = {{kBloom, R"(\p{N})"}, false};
        m["chatglm-bpe"] = chatglm4;
        m["glm4"] = chatglm4;
        m["tekken"] = {{kTekken}, true};
        for (const char* n : {"gpt-4o", "llama4", "minimax-m2"}) m[n] = {{kGpt4o}, false};
        m["superbpe"] = {{R"(\p{N}+)", R"((?=(\d{3})+(?!\d)))"}, false};
        for (const char* n : {"bailingmoe", "bailingmoe2", "llada-moe"}) {
            m[n] = {
                {R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)"},
                false};
        }
        m["seed-coder"] = {
            {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)"},
            false};
        m["chameleon"] = {
            {"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )",
             R"(\p{N})", R"([\p{P}!-/:-@\[-`{-~])", kStarcoderMain},
            false};
        return m;
    }();
    return t;
}

}  // namespace

std::optional<GgufPreTokenizer> ggufPreTokenizer(const std::string& name) {
    auto it = table().find(name);
    if (it == table().end()) return std::nullopt;
    return it->second;
}

std::string ggufPreTokenizerNames() {
    std::string s;
    for (const auto& [name, _] : table()) s += (s.empty() ? "" : ", ") + name;
    return s;
}

}  // namespace llmap
