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

// A metadata CSV: a header "model,<field>,...", one row per model. Cells that read as numbers
// become JSON numbers, empty cells are left out, the rest are strings. Returns model id -> JSON
// object text. Throws InputError naming the file and line for a missing "model" column, ragged
// rows, repeated or empty ids.
std::vector<std::pair<std::string, std::string>> readMetadataCsv(const std::string& path);

}  // namespace llmap
