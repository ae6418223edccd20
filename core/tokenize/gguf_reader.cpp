#include "tokenize/gguf_reader.h"

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "util/compressed_file.h"
#include "util/error.h"

namespace llmap {

namespace {

class Reader {
public:
    Reader(std::unique_ptr<std::istream> in, const std::string& path)
        : path_(path), in_(std::move(in)) {
        if (!*in_)
            throw InputError("cannot open the file", path, "check the path and its permissions");
        in_->seekg(0, std::ios::end);
        size_ = static_cast<uint64_t>(in_->tellg());
        in_->seekg(0);
        buffer_.resize(1 << 16);
    }

    void bytes(void* dst, uint64_t n, const char* what) {
        if (n > size_ - pos_) truncated(what);
        auto* out = static_cast<char*>(dst);
        while (n > 0) {
            if (bufPos_ == bufLen_) fill();
            const uint64_t take = std::min<uint64_t>(n, bufLen_ - bufPos_);
            std::memcpy(out, buffer_.data() + bufPos_, take);
            bufPos_ += take;
            out += take;
            n -= take;
            pos_ += take;
        }
    }
    template <typename T>
    T pod(const char* what) {
        T v;
        bytes(&v, sizeof v, what);
        return v;
    }
    std::string str(const char* what) {
        const auto n = pod<uint64_t>(what);
        if (n > size_ - pos_) truncated(what);
        std::string s(n, '\0');
        bytes(s.data(), n, what);
        return s;
    }
    uint64_t count(uint64_t elementMin, const char* what) {
        const auto n = pod<uint64_t>(what);
        if (elementMin > 0 && n > (size_ - pos_) / elementMin) truncated(what);
        return n;
    }
    uint64_t pos() const { return pos_; }
    uint64_t size() const { return size_; }
    [[noreturn]] void truncated(const char* what) const {
        throw InputError(std::string("truncated or corrupt GGUF file (while reading ") + what +
                             " at byte " + std::to_string(pos_) + " of " + std::to_string(size_) +
                             ")",
                         path_, "download the file again");
    }
    [[noreturn]] void malformed(const std::string& what) const {
        throw InputError("malformed GGUF file: " + what, path_, "download the file again");
    }

private:
    void fill() {
        in_->read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        bufLen_ = static_cast<uint64_t>(in_->gcount());
        bufPos_ = 0;
        if (bufLen_ == 0) truncated("data");
    }
    std::string path_;
    std::unique_ptr<std::istream> in_;
    uint64_t size_ = 0, pos_ = 0;
    std::vector<char> buffer_;
    uint64_t bufPos_ = 0, bufLen_ = 0;
};

uint64_t scalarSize(GgufType t) {
    switch (t) {
        case GgufType::U8:
        case GgufType::I8:
        case GgufType::Bool:
            return 1;
        case GgufType::U16:
        case GgufType::I16:
            return 2;
        case GgufType::U32:
        case GgufType::I32:
        case GgufType::F32:
            return 4;
        case GgufType::U64:
        case GgufType::I64:
        case GgufType::F64:
            return 8;
        case GgufType::String:
            return 8;
        case GgufType::Array:
            return 12;
    }
    return 0;
}

bool isIntegerType(GgufType t) {
    return t != GgufType::F32 && t != GgufType::F64 && t != GgufType::String &&
           t != GgufType::Array;
}

// Reads one scalar of type t into integer/real/string.
void readScalar(Reader& r, GgufType t, int64_t& integer, double& real, std::string& s) {
    switch (t) {
        case GgufType::U8:
            integer = r.pod<uint8_t>("value");
            break;
        case GgufType::I8:
            integer = r.pod<int8_t>("value");
            break;
        case GgufType::U16:
            integer = r.pod<uint16_t>("value");
            break;
        case GgufType::I16:
            integer = r.pod<int16_t>("value");
            break;
        case GgufType::U32:
            integer = r.pod<uint32_t>("value");
            break;
        case GgufType::I32:
            integer = r.pod<int32_t>("value");
            break;
        case GgufType::U64:
            integer = static_cast<int64_t>(r.pod<uint64_t>("value"));
            break;
        case GgufType::I64:
            integer = r.pod<int64_t>("value");
            break;
        case GgufType::Bool:
            integer = r.pod<uint8_t>("value") != 0;
            break;
        case GgufType::F32:
            real = r.pod<float>("value");
            break;
        case GgufType::F64:
            real = r.pod<double>("value");
            break;
        case GgufType::String:
            s = r.str("string value");
            break;
        case GgufType::Array:
            r.malformed("nested array");
    }
}

GgufType typeOf(Reader& r, uint32_t raw) {
    if (raw > static_cast<uint32_t>(GgufType::F64))
        r.malformed("unknown value type " + std::to_string(raw));
    return static_cast<GgufType>(raw);
}

}  // namespace

bool GgufValue::isInteger() const {
    return isIntegerType(type);
}

GgufFile GgufFile::read(const std::string& path) {
    std::unique_ptr<std::istream> in;
    if (hasGzipSuffix(path)) {
        in = std::make_unique<std::istringstream>(readInputFile(path));
    } else {
        in = std::make_unique<std::ifstream>(path, std::ios::binary);
    }
    return parseStream(std::move(in), path);
}

GgufFile GgufFile::parse(const void* data, size_t size, const std::string& name) {
    return parseStream(
        std::make_unique<std::istringstream>(std::string(static_cast<const char*>(data), size)),
        name);
}

GgufFile GgufFile::parseStream(std::unique_ptr<std::istream> in, const std::string& path) {
    Reader r(std::move(in), path);
    GgufFile f;
    f.path_ = path;
    char magic[4];
    r.bytes(magic, 4, "magic");
    if (std::memcmp(magic, "GGUF", 4) != 0) r.malformed("does not start with \"GGUF\"");
    f.version_ = r.pod<uint32_t>("version");
    if (f.version_ < 2 || f.version_ > 3) {
        r.malformed("version " + std::to_string(f.version_) + " (supported: 2, 3)");
    }
    const uint64_t tensorCount = r.count(24, "tensor count");
    const uint64_t kvCount = r.count(13, "key/value count");
    for (uint64_t i = 0; i < kvCount; ++i) {
        std::string key = r.str("key");
        GgufValue v;
        v.type = typeOf(r, r.pod<uint32_t>("value type"));
        if (v.type == GgufType::Array) {
            v.elementType = typeOf(r, r.pod<uint32_t>("array type"));
            if (v.elementType == GgufType::Array) r.malformed("nested array in " + key);
            const uint64_t n = r.count(scalarSize(v.elementType), "array length");
            for (uint64_t k = 0; k < n; ++k) {
                int64_t integer = 0;
                double real = 0;
                std::string s;
                readScalar(r, v.elementType, integer, real, s);
                if (v.elementType == GgufType::String)
                    v.strings.push_back(std::move(s));
                else if (isIntegerType(v.elementType))
                    v.integers.push_back(integer);
                else
                    v.reals.push_back(real);
            }
        } else {
            readScalar(r, v.type, v.integer, v.real, v.string);
        }
        f.values_[std::move(key)] = std::move(v);
    }
    for (uint64_t i = 0; i < tensorCount; ++i) {
        GgufTensorInfo t;
        t.name = r.str("tensor name");
        const auto nDims = r.pod<uint32_t>("tensor dimensions");
        if (nDims > 8)
            r.malformed("tensor " + t.name + " has " + std::to_string(nDims) + " dimensions");
        for (uint32_t d = 0; d < nDims; ++d) t.dims.push_back(r.pod<uint64_t>("tensor shape"));
        t.type = r.pod<uint32_t>("tensor type");
        t.offset = r.pod<uint64_t>("tensor offset");
        f.tensors_.push_back(std::move(t));
    }
    uint64_t alignment = 32;
    if (auto a = f.getInteger("general.alignment")) {
        if (*a <= 0 || *a > (1 << 20) || (*a & (*a - 1)) != 0)
            r.malformed("general.alignment = " + std::to_string(*a) + " is not a power of two");
        alignment = static_cast<uint64_t>(*a);
    }
    f.alignment_ = alignment;
    f.dataOffset_ = (r.pos() + alignment - 1) / alignment * alignment;
    f.fileSize_ = r.size();
    return f;
}

const GgufValue* GgufFile::find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
}

std::optional<std::string> GgufFile::getString(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (v->type != GgufType::String)
        throw InputError("key " + key + " is not a string", path_, "fix the GGUF file");
    return v->string;
}

std::optional<int64_t> GgufFile::getInteger(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (!v->isInteger())
        throw InputError("key " + key + " is not an integer", path_, "fix the GGUF file");
    return v->integer;
}

std::optional<double> GgufFile::getReal(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (v->type == GgufType::F32 || v->type == GgufType::F64) return v->real;
    if (v->isInteger() && v->type != GgufType::Bool) return static_cast<double>(v->integer);
    throw InputError("key " + key + " is not a number", path_, "fix the GGUF file");
}

std::optional<bool> GgufFile::getBool(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (!v->isInteger())
        throw InputError("key " + key + " is not a boolean", path_, "fix the GGUF file");
    return v->integer != 0;
}

}  // namespace llmap
