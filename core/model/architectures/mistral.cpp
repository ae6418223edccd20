// Mistral: Llama's blocks with a sliding attention window on every layer.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/json_file.h"
#include "util/error.h"

namespace llmap {

ArchSpec mistralSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = "mistral";
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-6);
    s.rope = readRope(c, s.headDim, where);
    s.activation = readActivation(jsonString(c, "hidden_act", where).value_or("silu"), where);
    s.slidingWindow.assign(static_cast<size_t>(s.layers),
                           jsonInt(c, "sliding_window", where).value_or(0));
    for (int64_t w : s.slidingWindow) {
        if (w < 0)
            throw InputError("absurd config: negative sliding_window", where, "fix config.json");
    }
    s.names = llamaStyleNames();
    return s;
}

}  // namespace llmap
