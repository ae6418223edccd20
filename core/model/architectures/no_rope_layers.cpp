#include "model/architectures/no_rope_layers.h"

#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

std::vector<bool> readNoRopeLayers(const nlohmann::json& c, int64_t layers,
                                   const std::string& where, bool emptyIsAbsent) {
    std::vector<bool> noRope(static_cast<size_t>(layers), false);
    const auto list = c.find("no_rope_layers");
    if (list != c.end() && !list->is_null() &&
        !(emptyIsAbsent && list->is_array() && list->empty())) {
        if (!list->is_array() || static_cast<int64_t>(list->size()) < layers) {
            throw InputError("no_rope_layers must give a 0 or 1 for each of the " +
                                 std::to_string(layers) + " layers",
                             where, "fix config.json");
        }
        for (size_t i = 0; i < noRope.size(); ++i) {
            const auto& v = (*list)[i];
            if (!v.is_number_integer() || (v.get<int64_t>() != 0 && v.get<int64_t>() != 1)) {
                throw InputError("no_rope_layers entry " + std::to_string(i) + " is " + v.dump() +
                                     ", not 0 or 1",
                                 where, "fix config.json");
            }
            noRope[i] = v.get<int64_t>() == 0;
        }
        return noRope;
    }
    const int64_t interval = jsonInt(c, "no_rope_layer_interval", where).value_or(4);
    if (interval <= 0) {
        throw InputError("absurd config: no_rope_layer_interval " + std::to_string(interval), where,
                         "fix config.json");
    }
    for (int64_t i = 0; i < layers; ++i) noRope[static_cast<size_t>(i)] = (i + 1) % interval == 0;
    return noRope;
}

}  // namespace llmap
