#include "model/safetensors.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace llmap {

namespace {

struct DtypeInfo {
    const char* name;
    StDtype dtype;
    size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", StDtype::F64, 8},   {"F32", StDtype::F32, 4},        {"F16", StDtype::F16, 2},
    {"BF16", StDtype::BF16, 2}, {"I64", StDtype::I64, 8},        {"I32", StDtype::I32, 4},
    {"I16", StDtype::I16, 2},   {"I8", StDtype::I8, 1},          {"U8", StDtype::U8, 1},
    {"BOOL", StDtype::Bool, 1}, {"F8_E4M3", StDtype::F8E4M3, 1}, {"F8_E5M2", StDtype::F8E5M2, 1},
};

const char* kFixConvert = "re-save the model with safetensors' save_file or save_pretrained";

std::string knownDtypes() {
    std::string s;
    for (const auto& d : kDtypes) s += (s.empty() ? "" : ", ") + std::string(d.name);
    return s;
}

TensorEntry parseEntry(const std::string& name, const nlohmann::json& value, uint64_t dataSize,
                       const std::string& where) {
    const std::string at = where + ", tensor \"" + name + "\"";
    if (!value.is_object()) throw InputError("tensor entry is not a JSON object", at, kFixConvert);
    TensorEntry e;
    e.name = name;
    const auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string()) {
        throw InputError("tensor entry has no \"dtype\" string", at, kFixConvert);
    }
    const std::string dtypeName = dtype->get<std::string>();
    const auto known = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                    [&](const DtypeInfo& d) { return dtypeName == d.name; });
    if (known == std::end(kDtypes)) {
        throw InputError("unknown dtype \"" + dtypeName + "\"", at,
                         "supported dtypes: " + knownDtypes());
    }
    e.dtype = known->dtype;

    const auto shape = value.find("shape");
    if (shape == value.end() || !shape->is_array()) {
        throw InputError("tensor entry has no \"shape\" array", at, kFixConvert);
    }
    // Element count with overflow checks: a hostile header must not wrap around.
    uint64_t elements = 1;
    for (const auto& dim : *shape) {
        if (!dim.is_number_unsigned()) {
            throw InputError("shape holds a value that is not a non-negative integer", at,
                             kFixConvert);
        }
        const uint64_t d = dim.get<uint64_t>();
        if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
            (d != 0 && elements > std::numeric_limits<uint64_t>::max() / 8 / d)) {
            throw InputError("shape is too large", at, kFixConvert);
        }
        elements *= d;
        e.shape.push_back(static_cast<int64_t>(d));
    }

    const auto offsets = value.find("data_offsets");
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
        throw InputError("tensor entry has no \"data_offsets\" [begin, end] pair", at, kFixConvert);
    }
    e.begin = (*offsets)[0].get<uint64_t>();
    e.end = (*offsets)[1].get<uint64_t>();
    if (e.begin > e.end) {
        throw InputError("data_offsets begin after they end", at, kFixConvert);
    }
    if (e.end > dataSize) {
        throw InputError("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                             ") lie outside the file's " + std::to_string(dataSize) + " data bytes",
                         at, "the file is truncated or damaged: download it again");
    }
    if (e.end - e.begin != elements * known->size) {
        throw InputError("data_offsets span " + std::to_string(e.end - e.begin) +
                             " bytes but the shape and dtype need " +
                             std::to_string(elements * known->size),
                         at, kFixConvert);
    }
    return e;
}

}  // namespace

const char* stDtypeName(StDtype dtype) {
    for (const auto& d : kDtypes)
        if (d.dtype == dtype) return d.name;
    return "?";
}

size_t stDtypeSize(StDtype dtype) {
    for (const auto& d : kDtypes)
        if (d.dtype == dtype) return d.size;
    return 0;
}

int64_t TensorEntry::elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

SafetensorsHeader parseSafetensorsHeader(std::string_view headerJson, uint64_t headerLength,
                                         uint64_t fileSize, const std::string& where) {
    if (fileSize < 8) {
        throw InputError("file is shorter than the 8-byte safetensors prefix", where,
                         "the file is truncated: download it again");
    }
    if (headerLength > kMaxSafetensorsHeader || headerLength > fileSize - 8) {
        throw InputError("header length " + std::to_string(headerLength) +
                             " does not fit in the file of " + std::to_string(fileSize) + " bytes",
                         where, "the file is truncated or not a safetensors file");
    }
    if (headerJson.size() != headerLength) {
        throw InputError("header is shorter than its length field says", where,
                         "the file is truncated: download it again");
    }
    SafetensorsHeader h;
    h.dataOffset = 8 + headerLength;
    h.dataSize = fileSize - h.dataOffset;
    h.headerJson = std::string(headerJson);

    nlohmann::json json;
    try {
        json = nlohmann::json::parse(headerJson);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("header is not valid JSON: ") + e.what(), where,
                         "the file is damaged or not a safetensors file");
    }
    if (!json.is_object()) {
        throw InputError("header is not a JSON object", where, "not a safetensors file");
    }
    for (const auto& [key, value] : json.items()) {
        if (key == "__metadata__") {
            if (!value.is_object()) continue;
            for (const auto& [mk, mv] : value.items()) {
                if (mv.is_string()) h.metadata[mk] = mv.get<std::string>();
            }
            continue;
        }
        h.tensors.emplace(key, parseEntry(key, value, h.dataSize, where));
    }

    std::vector<const TensorEntry*> byOffset;
    for (const auto& [name, entry] : h.tensors)
        if (entry.end > entry.begin) byOffset.push_back(&entry);
    std::sort(byOffset.begin(), byOffset.end(),
              [](const TensorEntry* a, const TensorEntry* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < byOffset.size(); ++i) {
        if (byOffset[i]->begin < byOffset[i - 1]->end) {
            throw InputError("tensors \"" + byOffset[i - 1]->name + "\" and \"" +
                                 byOffset[i]->name + "\" overlap in the file",
                             where, "the file is damaged: " + std::string(kFixConvert));
        }
    }
    return h;
}

SafetensorsHeader readSafetensorsHeader(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw InputError("cannot open the weights file", path, "check that it exists");
    const uint64_t fileSize = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    unsigned char prefix[8] = {};
    if (fileSize < 8 || !in.read(reinterpret_cast<char*>(prefix), 8)) {
        throw InputError("file is shorter than the 8-byte safetensors prefix", path,
                         "the file is truncated: download it again");
    }
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | prefix[i];
    if (length > kMaxSafetensorsHeader || length > fileSize - 8) {
        return parseSafetensorsHeader({}, length, fileSize, path);  // throws with the sizes
    }
    std::string header(length, '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(length))) {
        throw InputError("cannot read the header", path, "the file is truncated");
    }
    return parseSafetensorsHeader(header, length, fileSize, path);
}

}  // namespace llmap
