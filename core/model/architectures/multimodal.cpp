// Vision-language checkpoints scored on text: a vision tower and a projector around a language
// model whose settings are in text_config and whose weights lie under "model.language_model."
// (transformers 4.52 and later), "language_model.model." (earlier) or "model.text_model."
// (Idefics3, SmolVLM). The language model is read as its own family; the vision weights are never
// read, and the texts are scored without images.
#include "model/architectures/architectures.h"
#include "model/registry.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec wrappedTextSpec(const nlohmann::json& c, const std::string& where,
                         const std::string& wrapperType, const std::string& defaultTextType,
                         bool tiedByDefault, bool textTieCounts) {
    const auto text = c.find("text_config");
    if (text == c.end() || !text->is_object()) {
        throw InputError("the multimodal config (model_type " + wrapperType +
                             ") has no text_config object, so its language model is unknown",
                         where,
                         "the language model's settings belong in text_config: download "
                         "config.json again");
    }
    nlohmann::json textConfig = *text;
    if (!textConfig.contains("model_type")) textConfig["model_type"] = defaultTextType;
    const std::string textType = resolveModelType(textConfig, where);
    if (wrapsLanguageModel(textType)) {
        throw InputError("text_config's model_type \"" + textType + "\" is itself a wrapper", where,
                         "text_config must describe the language model: fix config.json");
    }
    ArchSpec s = archSpecFromConfig(textConfig, where);
    s.family = wrapperType;
    // transformers ties the head by the wrapper's config alone (config.json leaves out defaults).
    const bool textTied = s.tiedEmbeddings;
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(tiedByDefault) ||
                       (textTieCounts && textTied);
    s.names.wrappers = {"model.language_model.", "language_model.", "model.text_model."};
    return s;
}

ArchSpec mistral3Spec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "mistral3", "mistral", true);
}

ArchSpec llavaSpec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "llava", "llama", false, true);
}

ArchSpec llavaNextSpec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "llava_next", "llama", false);
}

ArchSpec internvlSpec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "internvl", "qwen2", true);
}

ArchSpec smolvlmSpec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "smolvlm", "llama", false);
}

ArchSpec qwen3_5Spec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "qwen3_5", "qwen3_5_text", false);
}

ArchSpec qwen3_5MoeSpec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "qwen3_5_moe", "qwen3_5_moe_text", false);
}

// Llama 4: the language model under "language_model." (Llama4ForCausalLM's names).
ArchSpec llama4Spec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "llama4", "llama4_text", false);
}

ArchSpec idefics3Spec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "idefics3", "llama", false);
}

}  // namespace llmap
