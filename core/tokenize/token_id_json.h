#pragma once
// A token id read from tokenizer.json: an integer from 0 to 2^31 - 1, or an InputError naming the
// file. (nlohmann's get<int32_t>() of 3e53 is undefined behaviour, and of 2^40 a silent wrap.)
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "util/error.h"

namespace llmap {

inline int32_t tokenIdFromJson(const nlohmann::json& value, const std::string& where) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        value.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
        throw InputError("token id " + value.dump() + " is not an integer from 0 to 2147483647",
                         where, "fix the tokenizer file");
    }
    return static_cast<int32_t>(value.get<int64_t>());
}

}  // namespace llmap
