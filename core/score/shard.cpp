#include "score/shard.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "store/hdf5_probe.h"
#include "store/hdf5_util.h"
#include "util/error.h"

namespace llmap {

namespace {

constexpr const char* kFormat = "llmap-score-shard";
constexpr int kVersion = 1;

template <typename T>
void writeVector(hid_t loc, const char* name, hid_t fileType, hid_t memType,
                 const std::vector<T>& values, const std::string& where) {
    hsize_t n = values.size();
    h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    h5::Handle ds(h5::check(H5Dcreate2(loc, name, fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                                       H5P_DEFAULT),
                            std::string("cannot create ") + name, where),
                  H5Dclose);
    h5::check(H5Dwrite(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              std::string("cannot write ") + name + " (is the disk full?)", where);
}

template <typename T>
std::vector<T> readVector(hid_t loc, const char* name, hid_t memType, const std::string& where) {
    h5::Handle ds = h5::openDataset(loc, name, where);
    const auto d = h5::dims(ds.get(), where);
    if (d.size() != 1) throw InputError(std::string(name) + " is not a vector", where, "");
    std::vector<T> out(d[0]);
    h5::check(H5Dread(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
              std::string("cannot read ") + name, where);
    return out;
}

}  // namespace

std::string shardFileName(const std::string& modelId) {
    std::string out;
    for (char c : modelId) {
        if (c == '/') {
            out += "--";
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                   c == '.') {
            out += c;
        } else {
            out += '_';
        }
    }
    return out + ".shard.h5";
}

void writeShard(const std::string& path, const Shard& shard) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const std::string partial = path + ".writing";
    {
        h5::Handle file(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                        H5Fclose);
        if (!file) {
            throw InputError("cannot create the shard file", partial,
                             "check that the folder exists and is writable");
        }
        const hid_t root = file.get();
        h5::setStringAttribute(root, "format", kFormat, path);
        h5::setIntAttribute(root, "format_version", kVersion, path);
        h5::setStringAttribute(root, "text_set_hash", shard.textSetHash, path);
        h5::setStringAttribute(root, "convention", shard.convention, path);
        h5::setStringAttribute(root, "model_id", shard.model.id, path);
        h5::setStringAttribute(root, "model_metadata", shard.model.metadataJson, path);
        writeVector(root, "loglik", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, shard.loglik, path);
        writeVector(root, "tokens", H5T_STD_I32LE, H5T_NATIVE_INT32, shard.tokens, path);
        writeVector(root, "truncated", H5T_STD_I8LE, H5T_NATIVE_INT8, shard.truncated, path);
        h5::writeStrings(root, "provenance", shard.provenance, false, path);
        h5::check(H5Fflush(root, H5F_SCOPE_GLOBAL), "cannot write the shard (is the disk full?)",
                  path);
    }
    std::filesystem::rename(partial, path);
}

Shard readShard(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const char* fix = "pass shard files written by 'llmap-cli score --shard-out'";
    if (!std::filesystem::exists(path)) throw InputError("no such file", path, fix);
    if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError("not an HDF5 file", path, fix);
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file) throw InputError("cannot open the file", path, fix);
    const hid_t root = file.get();
    if (!h5::hasAttribute(root, "format") || h5::stringAttribute(root, "format", path) != kFormat) {
        throw InputError("not a score shard", path, fix);
    }
    if (h5::intAttribute(root, "format_version", path) > kVersion) {
        throw InputError("shard written by a newer LLMap", path, "update LLMap");
    }
    Shard s;
    s.textSetHash = h5::stringAttribute(root, "text_set_hash", path);
    s.convention = h5::stringAttribute(root, "convention", path);
    s.model.id = h5::stringAttribute(root, "model_id", path);
    s.model.metadataJson = h5::stringAttribute(root, "model_metadata", path);
    s.loglik = readVector<double>(root, "loglik", H5T_NATIVE_DOUBLE, path);
    s.tokens = readVector<int32_t>(root, "tokens", H5T_NATIVE_INT32, path);
    if (h5::exists(root, "truncated")) {  // shards written before truncation was recorded lack it
        s.truncated = readVector<int8_t>(root, "truncated", H5T_NATIVE_INT8, path);
    }
    s.provenance = h5::readStrings(root, "provenance", path);
    if (s.tokens.size() != s.loglik.size()) {
        throw InputError("token counts and scores differ in length", path, fix);
    }
    if (!s.truncated.empty() && s.truncated.size() != s.loglik.size()) {
        throw InputError("truncation flags and scores differ in length", path, fix);
    }
    return s;
}

Shard shardOf(const Project& project, size_t row) {
    Shard s;
    s.textSetHash = project.textSetHash();
    s.convention = project.convention();
    s.model = project.models().at(row);
    s.loglik = project.scoreRow(row);
    s.tokens = project.tokenRow(row);
    s.truncated = project.truncatedRow(row);
    for (const std::string& p : project.provenance()) {
        if (p.find("\"model\":\"" + s.model.id + "\"") != std::string::npos)
            s.provenance.push_back(p);
    }
    return s;
}

size_t mergeShard(Project& project, const Shard& shard, const std::string& shardPath) {
    if (shard.textSetHash != project.textSetHash()) {
        throw InputError("the shard was scored on another text set (shard " + shard.textSetHash +
                             ", project " + project.textSetHash() + ")",
                         shardPath, "merge it into a project of its own text set");
    }
    if (shard.convention != project.convention()) {
        throw InputError("the shard holds \"" + shard.convention + "\" scores, the project \"" +
                             project.convention() + "\"",
                         shardPath, "merge it into a project of the same convention");
    }
    if (shard.loglik.size() != project.texts().size()) {
        throw InputError("the shard has " + std::to_string(shard.loglik.size()) +
                             " scores for a text set of " + std::to_string(project.texts().size()),
                         shardPath, "the shard is damaged: score the model again");
    }
    for (size_t i = 0; i < shard.loglik.size(); ++i) {
        if (std::isnan(shard.loglik[i])) {
            throw InputError("the shard lacks the score of text " + std::to_string(i), shardPath,
                             "score the model again");
        }
    }
    size_t row;
    if (auto existing = project.findModel(shard.model.id)) {
        row = *existing;
        const std::vector<double> have = project.scoreRow(row);  // this row only, not the matrix
        if (std::none_of(have.begin(), have.end(), [](double x) { return std::isnan(x); })) {
            throw InputError(
                "the model \"" + shard.model.id + "\" is already scored in the project", shardPath,
                "leave this shard out");
        }
        project.setModelMetadata(row, shard.model.metadataJson);
    } else {
        row = project.addModel(shard.model);
    }
    project.writeScores(row, 0, shard.loglik, shard.tokens, shard.truncated);
    for (const std::string& p : shard.provenance) project.appendProvenance(p);
    return row;
}

Shard readShardIsolated(const std::string& path) {
    requireReadableInChild(
        path, [&] { readShard(path); }, "write the shard again: re-run its task");
    return readShard(path);
}

}  // namespace llmap
