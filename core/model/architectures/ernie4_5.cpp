// ERNIE-4.5 (dense): Llama's blocks with rotary on interleaved pairs (0,1), (2,3), ... and
// use_bias on every attention and MLP projection.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec ernie45Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s =
        readLlamaStyle(withDefaultHeadDim(withDefaultTheta(c, 500000.0), 128), where, "ernie4_5");
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    s.rotaryInterleaved = true;
    s.qkvBias = s.oBias = s.mlpBias = jsonBool(c, "use_bias", where).value_or(false);
    return s;
}

}  // namespace llmap
