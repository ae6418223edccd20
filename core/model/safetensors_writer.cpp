#include "model/safetensors_writer.h"

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace llmap {

uint64_t TensorLayout::bytes() const {
    uint64_t n = stDtypeSize(dtype);
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    return n;
}

std::string safetensorsHeaderJson(const std::vector<TensorLayout>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
    // nlohmann's ordered_json keeps the tensors in data order, as readers expect nothing else.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        const uint64_t end = offset + t.bytes();
        header[t.name] = {
            {"dtype", stDtypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, end}}};
        offset = end;
    }
    std::string text = header.dump();
    text.resize((text.size() + 7) / 8 * 8, ' ');
    return text;
}

SafetensorsWriter::SafetensorsWriter(const std::string& path, std::vector<TensorLayout> tensors,
                                     const std::map<std::string, std::string>& metadata)
    : path_(path) {
    for (const auto& t : tensors) expected_ += t.bytes();
    const std::string header = safetensorsHeaderJson(tensors, metadata);
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) {
        throw Error(std::string("cannot create the weights file: ") + std::strerror(errno), path,
                    "check that the folder is writable");
    }
    unsigned char prefix[8];
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) prefix[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
    if (std::fwrite(prefix, 1, 8, file_) != 8 ||
        std::fwrite(header.data(), 1, header.size(), file_) != header.size()) {
        fail("writing the header failed");
    }
}

SafetensorsWriter::~SafetensorsWriter() {
    if (file_) std::fclose(file_);
}

void SafetensorsWriter::fail(const char* what) {
    const int code = errno;
    if (file_) std::fclose(file_);
    file_ = nullptr;
    if (code == ENOSPC || code == EDQUOT) {
        throw DiskFullError(std::string("the disk is full (") + std::strerror(code) + ")", path_,
                            "free some space and run the command again");
    }
    throw Error(std::string(what) + ": " + std::strerror(code), path_);
}

void SafetensorsWriter::append(const void* data, size_t bytes) {
    if (!file_) throw Error("the weights file is closed", path_);
    if (written_ + bytes > expected_) {
        throw Error("more tensor bytes than the header announced", path_);
    }
    if (bytes && std::fwrite(data, 1, bytes, file_) != bytes) fail("writing the tensors failed");
    written_ += bytes;
}

void SafetensorsWriter::finish() {
    if (!file_) throw Error("the weights file is closed", path_);
    if (written_ != expected_) {
        throw Error("only " + std::to_string(written_) + " of " + std::to_string(expected_) +
                        " tensor bytes were written",
                    path_);
    }
    if (std::fflush(file_) != 0) fail("writing the tensors failed");
    std::FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0) {
        file_ = nullptr;
        const int code = errno;
        if (code == ENOSPC || code == EDQUOT) {
            throw DiskFullError(std::string("the disk is full (") + std::strerror(code) + ")",
                                path_, "free some space and run the command again");
        }
        throw Error(std::string("closing the weights file failed: ") + std::strerror(code), path_);
    }
}

}  // namespace llmap
