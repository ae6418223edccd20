#pragma once
// Errors carry what failed, where (file, row, column, model) and what the user can do about it.
#include <stdexcept>
#include <string>

namespace llmap {

class Error : public std::runtime_error {
public:
    Error(const std::string& what, std::string where = {}, std::string fix = {})
        : std::runtime_error(what), where_(std::move(where)), fix_(std::move(fix)) {}

    const std::string& where() const { return where_; }
    const std::string& fix() const { return fix_; }

    // "where: what (fix)" on one line, as the CLI prints it and the UI shows it.
    std::string message() const {
        std::string m = where_.empty() ? std::string(what()) : where_ + ": " + what();
        if (!fix_.empty()) m += " (" + fix_ + ")";
        return m;
    }

private:
    std::string where_;
    std::string fix_;
};

// Bad input from the user: a malformed file, a wrong argument. The CLI exits with code 2.
class InputError : public Error {
public:
    using Error::Error;
};

// A write found no room on the disk. Raised before anything is written, so the file stays as it
// was; the same command resumes once space is free.
class DiskFullError : public Error {
public:
    using Error::Error;
};

// Not enough memory for an operation, found before it started or while it was still reading:
// nothing was written (util/memory.h checks for it).
class MemoryError : public Error {
public:
    using Error::Error;
};

// The device (or the host) ran out of memory during a forward pass: a smaller batch may fit.
class OutOfMemoryError : public Error {
public:
    using Error::Error;
};

}  // namespace llmap
