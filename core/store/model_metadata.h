#pragma once
// Reading the free-form metadata JSON stored per model as flat, displayable fields.
#include <string>
#include <vector>

#include "store/project.h"

namespace llmap {

// Every top-level key used by any model, in first-seen order.
std::vector<std::string> metadataFields(const std::vector<ModelRecord>& models);

// The value of `field` as display text: strings as they are, numbers and booleans as JSON, nested
// values as compact JSON, "" when absent or when the metadata is not a JSON object.
std::string metadataValue(const std::string& metadataJson, const std::string& field);

}  // namespace llmap
