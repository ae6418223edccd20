#pragma once
// Reads the metadata part of a GGUF file (v2/v3): header, key/value pairs (arrays included) and
// the tensor directory. Tensor data is not read; dataOffset() says where it starts. A name
// ending in .gz is decompressed into memory first (small vocabulary files only). The same parser
// reads a byte buffer (parse), for fuzzing and for files already in memory.
#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmap {

enum class GgufType : uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12
};

struct GgufValue {
    GgufType type = GgufType::U8;
    GgufType elementType = GgufType::U8;  // for arrays
    int64_t integer = 0;                  // every integer type and bool
    double real = 0;                      // F32, F64
    std::string string;
    std::vector<std::string> strings;  // array of strings
    std::vector<int64_t> integers;     // array of integers or bools
    std::vector<double> reals;         // array of floats

    bool isInteger() const;
    size_t arraySize() const { return strings.size() + integers.size() + reals.size(); }
};

struct GgufTensorInfo {
    std::string name;
    std::vector<uint64_t> dims;
    uint32_t type = 0;
    uint64_t offset = 0;  // relative to dataOffset()
};

class GgufFile {
public:
    // Throws InputError naming the file for anything unreadable, truncated or malformed.
    static GgufFile read(const std::string& path);
    // The same for a GGUF image in memory; `name` stands for the file in messages.
    static GgufFile parse(const void* data, size_t size, const std::string& name);

    uint32_t version() const { return version_; }
    const std::map<std::string, GgufValue>& values() const { return values_; }
    const GgufValue* find(const std::string& key) const;
    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    uint64_t dataOffset() const { return dataOffset_; }
    uint64_t alignment() const { return alignment_; }
    // Bytes of the (decompressed) file, header and data.
    uint64_t fileSize() const { return fileSize_; }
    const std::string& path() const { return path_; }

    // Typed access: nullopt when absent; InputError when present with another type.
    std::optional<std::string> getString(const std::string& key) const;
    std::optional<int64_t> getInteger(const std::string& key) const;
    std::optional<bool> getBool(const std::string& key) const;
    std::optional<double> getReal(const std::string& key) const;  // float or integer keys

private:
    static GgufFile parseStream(std::unique_ptr<std::istream> in, const std::string& path);
    std::string path_;
    uint32_t version_ = 0;
    std::map<std::string, GgufValue> values_;
    std::vector<GgufTensorInfo> tensors_;
    uint64_t dataOffset_ = 0;
    uint64_t alignment_ = 32;
    uint64_t fileSize_ = 0;
};

}  // namespace llmap
