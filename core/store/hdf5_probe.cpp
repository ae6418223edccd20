#include "store/hdf5_probe.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "store/hdf5_util.h"
#include "util/child_process.h"
#include "util/error.h"

namespace llmap {

namespace {

// Damaged parts are skipped, not reported: the caller's own read reports them. Nothing may throw
// through libhdf5's C frames, so the callbacks return codes.
bool isVariableString(hid_t type) {
    return H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0;
}

void readAttributeStrings(hid_t attribute) {
    h5::Handle type(H5Aget_type(attribute), H5Tclose);
    if (!type || !isVariableString(type.get())) return;
    h5::Handle space(H5Aget_space(attribute), H5Sclose);
    const hssize_t n = space ? H5Sget_simple_extent_npoints(space.get()) : -1;
    if (n <= 0 || n > (1 << 20)) return;
    std::vector<char*> values(static_cast<size_t>(n), nullptr);
    h5::Handle memType(H5Tget_native_type(type.get(), H5T_DIR_DEFAULT), H5Tclose);
    if (H5Aread(attribute, memType.get(), values.data()) >= 0)
        h5::reclaimStrings(memType.get(), space.get(), values.data());
}

herr_t onAttribute(hid_t object, const char* name, const H5A_info_t*, void*) {
    h5::Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    if (attribute) readAttributeStrings(attribute.get());
    return 0;
}

void readDatasetStrings(hid_t dataset) {
    constexpr hsize_t kBlock = 4096;  // strings held at once
    h5::Handle type(H5Dget_type(dataset), H5Tclose);
    if (!type || !isVariableString(type.get())) return;
    h5::Handle space(H5Dget_space(dataset), H5Sclose);
    if (!space || H5Sget_simple_extent_ndims(space.get()) != 1) return;  // LLMap's are 1-D
    hsize_t total = 0;
    H5Sget_simple_extent_dims(space.get(), &total, nullptr);
    h5::Handle memType(H5Tget_native_type(type.get(), H5T_DIR_DEFAULT), H5Tclose);
    std::vector<char*> values;
    for (hsize_t start = 0; start < total; start += kBlock) {
        hsize_t count = std::min(kBlock, total - start);
        values.assign(count, nullptr);
        h5::Handle memSpace(H5Screate_simple(1, &count, nullptr), H5Sclose);
        if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) <
                0 ||
            H5Dread(dataset, memType.get(), memSpace.get(), space.get(), H5P_DEFAULT,
                    values.data()) < 0) {
            return;
        }
        h5::reclaimStrings(memType.get(), memSpace.get(), values.data());
    }
}

struct Walk {
    std::set<std::string> seen;  // object identities: a damaged file's links can form a cycle
    int depth = 0;
};

// HDF5 1.12 replaced objects' addresses by opaque tokens, and H5Oget_info2 by H5Oget_info3.
#if H5_VERSION_GE(1, 12, 0)
using ObjectInfo = H5O_info2_t;
std::string identity(const ObjectInfo& info) {
    return std::string(reinterpret_cast<const char*>(&info.token), sizeof info.token);
}
herr_t objectInfo(hid_t object, ObjectInfo* info) {
    return H5Oget_info3(object, info, H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS);
}
#else
using ObjectInfo = H5O_info_t;
std::string identity(const ObjectInfo& info) {
    return std::to_string(info.addr);
}
herr_t objectInfo(hid_t object, ObjectInfo* info) {
    return H5Oget_info2(object, info, H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS);
}
#endif

void readObject(hid_t object, Walk& walk);

herr_t onLink(hid_t group, const char* name, const H5L_info_t*, void* data) {
    h5::Handle object(H5Oopen(group, name, H5P_DEFAULT), H5Oclose);
    if (object) readObject(object.get(), *static_cast<Walk*>(data));
    return 0;
}

void readObject(hid_t object, Walk& walk) {
    ObjectInfo info;
    if (objectInfo(object, &info) < 0) return;
    if (!walk.seen.insert(identity(info)).second || walk.depth > 32) return;
    hsize_t index = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_NATIVE, &index, onAttribute, nullptr);
    if (info.type == H5O_TYPE_DATASET) readDatasetStrings(object);
    if (info.type == H5O_TYPE_GROUP) {
        ++walk.depth;
        index = 0;
        H5Literate(object, H5_INDEX_NAME, H5_ITER_NATIVE, &index, onLink, &walk);
        --walk.depth;
    }
}

}  // namespace

void readEveryString(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // damage is expected here, and skipped
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file) return;
    h5::Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose);
    Walk walk;
    if (root) readObject(root.get(), walk);
}

void requireReadableInChild(const std::string& path, const std::function<void()>& read,
                            const std::string& fix) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    // libhdf5 reads ~100 MB/s of strings on a slow disk; anything far beyond that is a loop.
    const double limit = 60.0 + (ec ? 0.0 : static_cast<double>(bytes) / 10e6);
    const auto failure = failureInChild(read, limit);
    if (failure) {
        throw InputError("the file is damaged: libhdf5 " +
                             std::string(failure->rfind("no answer", 0) == 0 ? "hung" : "crashed") +
                             " while reading it (" + *failure + ")",
                         path, fix);
    }
}

}  // namespace llmap
