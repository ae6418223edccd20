#pragma once
// The raw text of each member of a JSON object, found without building the values: reading a
// few keys of a 10 MB tokenizer.json costs a scan instead of a full parse.
#include <map>
#include <string>
#include <string_view>

namespace llmap {

// Members of the object `json` (leading whitespace allowed) as key -> raw value text (views into
// `json`). Keys are taken verbatim (escapes not decoded). Throws InputError naming `where` when
// the text is not a well-formed object at this level.
std::map<std::string, std::string_view> skimObject(std::string_view json, const std::string& where);

}  // namespace llmap
