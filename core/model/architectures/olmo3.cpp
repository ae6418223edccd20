// OLMo-3: OLMo-2's blocks with sliding windows on the layers layer_types marks (by default all but
// every fourth), each layer kind with its own rotary parameters (YaRN on the full-attention
// layers only).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec olmo3Spec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json plain = c;  // each layer kind's rotary is read below
    plain.erase("rope_parameters");
    plain.erase("rope_scaling");
    ArchSpec s = olmo2Spec(plain, where);
    s.family = "olmo3";

    std::vector<bool> sliding = readLayerTypes(c, s.layers, where);
    if (sliding.empty()) {
        sliding.assign(static_cast<size_t>(s.layers), false);
        for (int64_t i = 0; i < s.layers; ++i) sliding[static_cast<size_t>(i)] = (i + 1) % 4 != 0;
    }
    s.slidingWindow = windowsOnSlidingLayers(c, sliding, where);
    s.localRopeLayers = sliding;

    const double theta = jsonNumber(c, "rope_theta", where).value_or(500000.0);
    const auto [full, local] = ropeParametersByLayerType(c, theta, theta);
    readRopeParameters(c, full, s, where);
    const std::string localType =
        jsonString(local, "rope_type", where)
            .value_or(jsonString(local, "type", where).value_or("default"));
    if (localType == "yarn") {
        throw InputError("YaRN on the sliding-attention layers is not supported", where,
                         "supported there: rope types default, linear, llama3");
    }
    plain["rope_parameters"] = local;
    s.localRope = readRope(plain, s.headDim, where);
    return s;
}

}  // namespace llmap
