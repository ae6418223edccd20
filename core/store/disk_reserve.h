#pragma once
// Room on the disk for an HDF5 write, claimed before the write. HDF5 has no way back from a write
// that fails half-way (a full disk leaves a file whose header promises more bytes than it holds,
// and that no longer opens), so the store first allocates the blocks the write may need beyond
// HDF5's end of allocated space and throws DiskFullError while the file is still intact.
#include <hdf5.h>

#include <cstdint>
#include <string>

namespace llmap {

class DiskReserve {
public:
    DiskReserve() = default;
    explicit DiskReserve(const std::string& path);
    DiskReserve(DiskReserve&& o) noexcept;
    DiskReserve& operator=(DiskReserve&& o) noexcept;
    DiskReserve(const DiskReserve&) = delete;
    DiskReserve& operator=(const DiskReserve&) = delete;
    ~DiskReserve();

    // Makes sure `bytes` past the end of `file`'s allocated space are on the disk; DiskFullError
    // (naming the path, the size and how to resume) when the disk or a size limit says no.
    void reserve(hid_t file, uint64_t bytes);
    // Gives back what the last writes did not use (call after a flush).
    void release(hid_t file);

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace llmap
