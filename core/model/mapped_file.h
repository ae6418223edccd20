#pragma once
// A read-only view of a whole file through mmap; kept alive by whoever holds the shared_ptr
// (tensors wrapping its bytes hold one in their deleter).
#include <cstddef>
#include <memory>
#include <string>

namespace llmap {

class MappedFile {
public:
    static std::shared_ptr<MappedFile> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // Copy-on-write private mapping: an accidental write changes this process's copy only.
    unsigned char* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }

private:
    MappedFile() = default;
    unsigned char* data_ = nullptr;
    size_t size_ = 0;
    std::string path_;
};

}  // namespace llmap
