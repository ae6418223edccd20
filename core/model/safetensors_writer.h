#pragma once
// Writes a safetensors file tensor by tensor: the header (every tensor's dtype, shape and byte
// range, in the order given) first, then each tensor's bytes as they are appended, so that no
// tensor needs to be in memory as a whole.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "model/safetensors.h"

namespace llmap {

struct TensorLayout {
    std::string name;
    StDtype dtype = StDtype::F32;
    std::vector<int64_t> shape;
    uint64_t bytes() const;
};

// The header JSON for `tensors` laid out back to back in this order, padded with spaces to a
// multiple of 8 bytes (as the safetensors library writes it).
std::string safetensorsHeaderJson(const std::vector<TensorLayout>& tensors,
                                  const std::map<std::string, std::string>& metadata);

class SafetensorsWriter {
public:
    // Creates (truncates) `path` and writes the header. Error naming the path when it cannot.
    SafetensorsWriter(const std::string& path, std::vector<TensorLayout> tensors,
                      const std::map<std::string, std::string>& metadata);
    ~SafetensorsWriter();
    SafetensorsWriter(const SafetensorsWriter&) = delete;
    SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;

    // The next bytes of the tensors, in header order; never more than the header announced.
    void append(const void* data, size_t bytes);
    // Checks that every byte announced was written, flushes and closes the file. DiskFullError
    // when the disk is full, Error for other write failures.
    void finish();

private:
    void fail(const char* what);

    std::string path_;
    std::FILE* file_ = nullptr;
    uint64_t expected_ = 0;
    uint64_t written_ = 0;
};

}  // namespace llmap
