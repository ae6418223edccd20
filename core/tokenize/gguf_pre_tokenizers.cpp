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
const char* kSpark25Main =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+)";
const char* kCjkJapanese = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";
const char* kQwen35 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kJais2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})";
const char* kMiniCpm5Main =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kYoutuAsian =
    "[\uac00-\ud7a3\u3131-\u318e]+|[\uff01\u2026\u201c\u201d\u2018\u2019\u2014\uff1a\uff1b\uff0c"
    "\u3001-\u303f\ufe30-\ufe4f]+|[\u3105-\u312f]+|[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";
const char* kYoutuMain =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kKimiK2 =
    R"([\p{Han}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kExaoneMoe =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)";
const char* kGraniteEmbMulti =
    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kUfakzeka =
    R"([^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// llama.cpp splits AFMoE digit runs in code: a leading group of (length mod 3) digits, then
// groups of three. This pattern cuts the same pieces.
const char* kAfmoeDigits = R"(\p{N}{1,3}(?=(?:\p{N}{3})*(?!\p{N})))";
const char* kNewlineRuns = R"([^\n]+|[\n]+)";
const char* kAfmoeAsian =
    "[\u4e00-\u9fff\u3400-\u4dbf\u8c48-\ufaff\u3040-\u309f\u30a0-\u30ff\uff65-\uff9f\u2f00-\u2fdf"
    "\u0e40-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff\uac00-\ud7af"
    "\u1100-\u11ff]+";

const std::map<std::string, GgufPreTokenizer>& table() {
    static const std::map<std::string, GgufPreTokenizer> t = [] {
        std::map<std::string, GgufPreTokenizer> m;
        const GgufPreTokenizer gpt2{{kGpt2}};
        const GgufPreTokenizer llama3{{kLlama3}, true, true};
        const GgufPreTokenizer qwen2{{kQwen2}};
        const GgufPreTokenizer starcoder{{R"(\p{N})", kStarcoderMain}};
        const GgufPreTokenizer deepseekLlm{
            {"[\r\n]", kDeepseekLlmLetters,
             "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+", "\\s+$", kCjk,
             R"(\p{N}+)"}};
        const GgufPreTokenizer deepseekCoder{
            {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjk, R"(\p{N})"}};
        const GgufPreTokenizer deepseek3{{R"(\p{N}{1,3})", kCjkJapanese, kDeepseek3Main}};
        const GgufPreTokenizer falcon{
            {R"([\p{P}\$\+<=>\^~\|`]+)", kStarcoderMain, "[0-9][0-9][0-9]"}};
        const GgufPreTokenizer bloom{{kBloom}};
        const GgufPreTokenizer chatglm4{{kLlama3}};
        const GgufPreTokenizer gpt4o{{kGpt4o}};
        for (const char* n :
             {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
              "a.x-4.0", "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe",
              "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4"}) {
            m[n] = gpt2;
        }
        for (const char* n : {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral",
                              "midm-2.0", "lfm2", "jina-v5-nano"}) {
            m[n] = llama3;
        }
        m["dbrx"] = {{kLlama3}};
        m["smaug-bpe"] = {{kLlama3}};
        for (const char* n : {"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2",
                              "megrez", "hunyuan", "grok-2", "solar-open"}) {
            m[n] = qwen2;
        }
        m["qwen35"] = {{kQwen35}};
        for (const char* n : {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone",
                              "minerva-7b", "mellum2"}) {
            m[n] = starcoder;
        }
        m["deepseek-llm"] = deepseekLlm;
        m["deepseek-coder"] = deepseekCoder;
        for (const char* n : {"deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"})
            m[n] = deepseek3;
        m["spark2_5"] = {{R"(\p{N}{1,3})", kCjkJapanese, kSpark25Main, R"(\p{N})"}};
        m["youtu"] = {{kYoutuAsian, kYoutuMain}, true};
        m["falcon"] = falcon;
        m["default"] = {
            {R"([\p{P}\$\+<=>\^~\|]+)", kStarcoderMain, R"(\p{N}+)", "[0-9][0-9][0-9]"}};
        m["minicpm5"] = {{R"(\p{N}{1,3})", kMiniCpm5Main}, true};
        m["jais-2"] = {{kJais2}};
        for (const char* n : {"poro-chat", "bloom", "gpt3-finnish"}) m[n] = bloom;
        m["viking"] = {{kBloom, R"(\p{N})"}};
        m["chatglm-bpe"] = chatglm4;
        m["glm4"] = {{kLlama3}, true};
        m["glm5"] = {{kLlama3}, true};
        m["tekken"] = {{kTekken}, true, true};
        for (const char* n : {"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}) m[n] = gpt4o;
        m["granite-embed-multi-97m"] = {{kGraniteEmbMulti}, true};
        for (const char* n : {"tiny_aya", "cohere2moe"})
            m[n] = {{R"(\d{1,3}(?=(?:\d{3})*\b))", kGpt4o}};
        m["kimi-k2"] = {{kKimiK2}};
        m["superbpe"] = {{R"(\p{N}+)", R"((?=(\d{3})+(?!\d)))"}};
        for (const char* n : {"bailingmoe", "bailingmoe2", "llada-moe"}) {
            m[n] = {
                {R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)"}};
        }
        m["seed-coder"] = {
            {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)"}};
        m["ufakzeka"] = {{kUfakzeka}};
        m["afmoe"] = {{kAfmoeDigits, kAfmoeAsian, kDeepseek3Main}};
        m["laguna"] = {{kNewlineRuns, kQwen2}};
        m["exaone-moe"] = {{kExaoneMoe}};
        // llama.cpp's LLAMA_VOCAB_PRE_TYPE_GEMMA4, SARVAM_MOE and WHITESPACE.
        GgufPreTokenizer gemma4{{kNewlineRuns}, false, true};
        gemma4.byteLevel = false;
        gemma4.escapeSpaces = gemma4.wholeNewlineRuns = gemma4.alwaysBos = true;
        m["gemma4"] = gemma4;
        m["granite-embed-multi-311m"] = gemma4;
        GgufPreTokenizer sarvam{{kNewlineRuns}};
        sarvam.byteLevel = false;
        sarvam.escapeSpaces = true;
        m["sarvam-moe"] = sarvam;
        GgufPreTokenizer whitespace{{R"(\S+)"}};
        whitespace.byteLevel = false;
        m["whitespace"] = whitespace;
        m["chameleon"] = {
            {"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )",
             R"(\p{N})", R"([\p{P}!-/:-@\[-`{-~])", kStarcoderMain},
            false,
            true};
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
