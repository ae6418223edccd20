#include "store/disk_reserve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "util/error.h"

namespace llmap {

DiskReserve::DiskReserve(const std::string& path)
    : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CLOEXEC)) {}

DiskReserve::DiskReserve(DiskReserve&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)) {}

DiskReserve& DiskReserve::operator=(DiskReserve&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(o.path_);
        fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
}

DiskReserve::~DiskReserve() {
    if (fd_ >= 0) ::close(fd_);
}

void DiskReserve::reserve(hid_t file, uint64_t bytes) {
    haddr_t eoa = 0;
    if (fd_ < 0 || H5Fget_eoa(file, &eoa) < 0) return;
    const int rc = ::posix_fallocate(fd_, 0, static_cast<off_t>(eoa + bytes));
    if (rc == ENOSPC || rc == EFBIG || rc == EDQUOT) {
        const double mb = static_cast<double>(bytes) / (1 << 20);
        char size[32];
        std::snprintf(size, sizeof size, "%.1f", mb);
        throw DiskFullError(std::string("the disk is full (") + std::strerror(rc) + "; " + size +
                                " MB more are needed); the project is intact",
                            path_,
                            "free some space or move the project to a larger disk, then run the "
                            "same command again: it resumes where it stopped");
    }
}

void DiskReserve::release(hid_t file) {
    haddr_t eoa = 0;
    struct stat st {};
    if (fd_ < 0 || H5Fget_eoa(file, &eoa) < 0 || ::fstat(fd_, &st) != 0) return;
    if (static_cast<uint64_t>(st.st_size) > eoa) {
        if (::ftruncate(fd_, static_cast<off_t>(eoa)) != 0) return;  // spare bytes do no harm
    }
}

}  // namespace llmap
