#include "store/hdf5_util.h"

#include "util/error.h"

namespace llmap::h5 {

Handle& Handle::operator=(Handle&& o) noexcept {
    if (this != &o) {
        reset();
        id_ = o.id_;
        closer_ = o.closer_;
        o.id_ = H5I_INVALID_HID;
    }
    return *this;
}

void Handle::reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
}

hid_t check(hid_t id, const std::string& what, const std::string& where) {
    if (id < 0) throw Error(what, where);
    return id;
}

Handle openGroup(hid_t loc, const std::string& name, const std::string& where) {
    if (!exists(loc, name)) {
        throw InputError("the group /" + name + " is missing", where,
                         "the file is not an LLMap project or is damaged");
    }
    return {check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open group " + name, where),
            H5Gclose};
}

Handle createGroup(hid_t loc, const std::string& name, const std::string& where) {
    return {check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create group " + name, where),
            H5Gclose};
}

Handle openDataset(hid_t loc, const std::string& name, const std::string& where) {
    if (!exists(loc, name)) {
        throw InputError("the dataset " + name + " is missing", where,
                         "the file is not an LLMap project or is damaged");
    }
    return {check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open dataset " + name, where),
            H5Dclose};
}

bool exists(hid_t loc, const std::string& name) {
    return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0;
}

Handle utf8StringType() {
    Handle t(check(H5Tcopy(H5T_C_S1), "cannot make the string type", "libhdf5"), H5Tclose);
    check(H5Tset_size(t.get(), H5T_VARIABLE), "cannot make the string type", "libhdf5");
    check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "cannot make the string type", "libhdf5");
    return t;
}

void writeStrings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                  bool extendible, const std::string& where) {
    hsize_t n = values.size();
    hsize_t maxDims = extendible ? H5S_UNLIMITED : n;
    Handle space(H5Screate_simple(1, &n, &maxDims), H5Sclose);
    Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (extendible) {
        hsize_t chunk = 256;
        check(H5Pset_chunk(props.get(), 1, &chunk), "cannot set up dataset " + name, where);
    }
    Handle type = utf8StringType();
    Handle ds(check(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, props.get(),
                               H5P_DEFAULT),
                    "cannot create dataset " + name, where),
              H5Dclose);
    if (n == 0) return;
    std::vector<const char*> ptrs;
    ptrs.reserve(values.size());
    for (const std::string& v : values) ptrs.push_back(v.c_str());
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
          "cannot write dataset " + name, where);
}

std::vector<std::string> readStrings(hid_t loc, const std::string& name, const std::string& where) {
    Handle ds = openDataset(loc, name, where);
    Handle space(H5Dget_space(ds.get()), H5Sclose);
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    std::vector<std::string> out;
    if (n <= 0) return out;
    Handle type = utf8StringType();
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
          "cannot read dataset " + name + " as UTF-8 strings", where);
    out.reserve(ptrs.size());
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    reclaimStrings(type.get(), space.get(), ptrs.data());
    return out;
}

// Frees what libhdf5 allocated for variable-length strings; a failure here can only leak.
void reclaimStrings(hid_t memType, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(memType, space, H5P_DEFAULT, buffer);
#else
    H5Dvlen_reclaim(memType, space, H5P_DEFAULT, buffer);
#endif
}

void appendString(hid_t loc, const std::string& name, const std::string& value,
                  const std::string& where) {
    Handle ds = openDataset(loc, name, where);
    hsize_t n = dims(ds.get(), where).at(0);
    hsize_t grown = n + 1;
    check(H5Dset_extent(ds.get(), &grown), "cannot grow dataset " + name, where);
    replaceString(loc, name, n, value, where);
}

void replaceString(hid_t loc, const std::string& name, size_t index, const std::string& value,
                   const std::string& where) {
    Handle ds = openDataset(loc, name, where);
    Handle space(H5Dget_space(ds.get()), H5Sclose);
    hsize_t start = index, count = 1;
    check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
          "cannot select in dataset " + name, where);
    Handle memSpace(H5Screate_simple(1, &count, nullptr), H5Sclose);
    Handle type = utf8StringType();
    const char* p = value.c_str();
    check(H5Dwrite(ds.get(), type.get(), memSpace.get(), space.get(), H5P_DEFAULT, &p),
          "cannot write to dataset " + name, where);
}

void setStringAttribute(hid_t obj, const std::string& name, const std::string& value,
                        const std::string& where) {
    if (hasAttribute(obj, name)) H5Adelete(obj, name.c_str());
    Handle type = utf8StringType();
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(
        check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
              "cannot create attribute " + name, where),
        H5Aclose);
    const char* p = value.c_str();
    check(H5Awrite(attr.get(), type.get(), &p), "cannot write attribute " + name, where);
}

std::string stringAttribute(hid_t obj, const std::string& name, const std::string& where) {
    if (!hasAttribute(obj, name)) {
        throw InputError("the attribute " + name + " is missing", where,
                         "the file is not an LLMap project or is damaged");
    }
    Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
    Handle fileType(H5Aget_type(attr.get()), H5Tclose);
    if (H5Tget_class(fileType.get()) != H5T_STRING) {
        throw InputError("the attribute " + name + " is not a string", where);
    }
    Handle type = utf8StringType();
    char* p = nullptr;
    check(H5Aread(attr.get(), type.get(), &p), "cannot read attribute " + name, where);
    std::string value = p ? p : "";
    H5free_memory(p);
    return value;
}

bool hasAttribute(hid_t obj, const std::string& name) {
    return H5Aexists(obj, name.c_str()) > 0;
}

namespace {
template <typename T>
void setScalarAttribute(hid_t obj, const std::string& name, hid_t fileType, hid_t memType, T value,
                        const std::string& where) {
    if (hasAttribute(obj, name)) H5Adelete(obj, name.c_str());
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(
        check(H5Acreate2(obj, name.c_str(), fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT),
              "cannot create attribute " + name, where),
        H5Aclose);
    check(H5Awrite(attr.get(), memType, &value), "cannot write attribute " + name, where);
}

template <typename T>
T scalarAttribute(hid_t obj, const std::string& name, hid_t memType, const std::string& where) {
    if (!hasAttribute(obj, name)) {
        throw InputError("the attribute " + name + " is missing", where,
                         "the file is not an LLMap project or is damaged");
    }
    Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
    T value{};
    check(H5Aread(attr.get(), memType, &value), "cannot read attribute " + name, where);
    return value;
}
}  // namespace

void setIntAttribute(hid_t obj, const std::string& name, long long value,
                     const std::string& where) {
    setScalarAttribute(obj, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, value, where);
}

long long intAttribute(hid_t obj, const std::string& name, const std::string& where) {
    return scalarAttribute<long long>(obj, name, H5T_NATIVE_LLONG, where);
}

void setDoubleAttribute(hid_t obj, const std::string& name, double value,
                        const std::string& where) {
    setScalarAttribute(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value, where);
}

double doubleAttribute(hid_t obj, const std::string& name, const std::string& where) {
    return scalarAttribute<double>(obj, name, H5T_NATIVE_DOUBLE, where);
}

std::vector<hsize_t> dims(hid_t dataset, const std::string& where) {
    Handle space(check(H5Dget_space(dataset), "cannot read a dataset's shape", where), H5Sclose);
    int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> d(static_cast<size_t>(std::max(rank, 0)));
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
    return d;
}

}  // namespace llmap::h5
