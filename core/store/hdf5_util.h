#pragma once
// Thin RAII and helpers over the HDF5 C API, for the project store only.
#include <hdf5.h>

#include <string>
#include <vector>

namespace llmap::h5 {

// Owns one HDF5 identifier and closes it with the matching function.
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
    Handle& operator=(Handle&& o) noexcept;
    ~Handle() { reset(); }
    void reset();
    hid_t get() const { return id_; }
    explicit operator bool() const { return id_ >= 0; }

private:
    hid_t id_ = H5I_INVALID_HID;
    Closer closer_ = nullptr;
};

// Throws llmap::Error with `what` and `where` when id/status is negative.
hid_t check(hid_t id, const std::string& what, const std::string& where);

Handle openGroup(hid_t loc, const std::string& name, const std::string& where);
Handle createGroup(hid_t loc, const std::string& name, const std::string& where);
Handle openDataset(hid_t loc, const std::string& name, const std::string& where);
bool exists(hid_t loc, const std::string& name);

Handle utf8StringType();

// 1-D datasets of UTF-8 strings; `extendible` makes them growable (chunked).
void writeStrings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                  bool extendible, const std::string& where);
std::vector<std::string> readStrings(hid_t loc, const std::string& name, const std::string& where);
// Frees the strings an H5Dread/H5Aread of variable-length strings allocated in `buffer`.
void reclaimStrings(hid_t memType, hid_t space, void* buffer);
void appendString(hid_t loc, const std::string& name, const std::string& value,
                  const std::string& where);
void replaceString(hid_t loc, const std::string& name, size_t index, const std::string& value,
                   const std::string& where);

void setStringAttribute(hid_t obj, const std::string& name, const std::string& value,
                        const std::string& where);
std::string stringAttribute(hid_t obj, const std::string& name, const std::string& where);
bool hasAttribute(hid_t obj, const std::string& name);
void setIntAttribute(hid_t obj, const std::string& name, long long value, const std::string& where);
long long intAttribute(hid_t obj, const std::string& name, const std::string& where);
void setDoubleAttribute(hid_t obj, const std::string& name, double value, const std::string& where);
double doubleAttribute(hid_t obj, const std::string& name, const std::string& where);

std::vector<hsize_t> dims(hid_t dataset, const std::string& where);

}  // namespace llmap::h5
