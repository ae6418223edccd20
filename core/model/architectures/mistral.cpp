// Mistral: Llama's blocks with a sliding attention window on every layer.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"

namespace llmap {

ArchSpec mistralSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "mistral");
    s.slidingWindow = windowOnEveryLayer(c, s.layers, where);
    return s;
}

}  // namespace llmap
