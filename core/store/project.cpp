#include "store/project.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "store/disk_reserve.h"
#include "store/hdf5_util.h"
#include "util/error.h"
#include "util/memory.h"

namespace llmap {

namespace {
const char* kFormatName = "llmap-project";
const char* kTokenLogProbs = "token_logprobs";
// Room claimed on the disk before a write: HDF5's new metadata blocks plus the data's new chunks.
constexpr uint64_t kReserveBase = uint64_t(1) << 20;

// HDF5 prints its own error stack to stderr by default; our messages say what matters.
// libhdf5 is built thread-safe: its error printing is switched per thread.
void silenceHdf5() {
    thread_local bool done = false;
    if (!done) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        done = true;
    }
}

h5::Handle createMatrix(hid_t loc, const std::string& name, hid_t type, size_t columns,
                        const void* fill, const std::string& where) {
    hsize_t dims[2] = {0, columns};
    hsize_t maxDims[2] = {H5S_UNLIMITED, columns};
    h5::Handle space(H5Screate_simple(2, dims, maxDims), H5Sclose);
    h5::Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    hsize_t chunk[2] = {1, std::max<hsize_t>(columns, 1)};
    h5::check(H5Pset_chunk(props.get(), 2, chunk), "cannot set up dataset " + name, where);
    h5::check(H5Pset_fill_value(props.get(), type, fill), "cannot set up dataset " + name, where);
    h5::check(H5Pset_fill_time(props.get(), H5D_FILL_TIME_ALLOC), "cannot set up dataset " + name,
              where);
    return {h5::check(H5Dcreate2(loc, name.c_str(), type, space.get(), H5P_DEFAULT, props.get(),
                                 H5P_DEFAULT),
                      "cannot create dataset " + name, where),
            H5Dclose};
}
// Writes `count` values of row `row` of a 2-D dataset from column `firstText` on.
void writeRowSpan(hid_t ds, hid_t memType, size_t row, size_t firstText, size_t count,
                  const void* data, const std::string& where) {
    hsize_t start[2] = {row, firstText};
    hsize_t counts[2] = {1, count};
    h5::Handle memSpace(H5Screate_simple(2, counts, nullptr), H5Sclose);
    h5::Handle space(H5Dget_space(ds), H5Sclose);
    h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, counts, nullptr),
              "cannot select scores", where);
    h5::check(H5Dwrite(ds, memType, memSpace.get(), space.get(), H5P_DEFAULT, data),
              "cannot write scores (is the disk full?)", where);
}
}  // namespace

struct Project::State {
    std::string path;
    bool writable = false;
    h5::Handle file;
    h5::Handle loglik;
    h5::Handle tokens;
    h5::Handle truncated;
    h5::Handle marginal;  // absent unless the project was scored with PMI
    std::string matrix = "loglik";
    DiskReserve disk;
    TextSet texts;
    std::string hash;
    std::string convention;
    std::vector<ModelRecord> models;
    mutable std::map<size_t, std::vector<int64_t>> tokenOffsets;  // read once per row

    void flush() {
        h5::check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL),
                  "cannot flush the project (is the disk full?)", path);
        disk.release(file.get());
    }
    void reserve(uint64_t payload) { disk.reserve(file.get(), kReserveBase + 2 * payload); }
    void requireWritable() const {
        if (!writable) throw Error("the project is open read-only", path);
    }
    void requireRow(size_t row) const {
        if (row >= models.size()) {
            throw Error("model row " + std::to_string(row) + " does not exist", path);
        }
    }
    void growRows(size_t rows) {
        hsize_t d[2] = {rows, texts.size()};
        h5::check(H5Dset_extent(loglik.get(), d), "cannot grow the score matrix", path);
        h5::check(H5Dset_extent(tokens.get(), d), "cannot grow the token matrix", path);
        h5::check(H5Dset_extent(truncated.get(), d), "cannot grow the truncation matrix", path);
        if (marginal)
            h5::check(H5Dset_extent(marginal.get(), d), "cannot grow the marginal matrix", path);
    }
    // The name a result of the selected matrix is stored under.
    std::string resultKey(const std::string& name) const {
        return matrix == "pmi" ? "pmi." + name : name;
    }
    std::string tokenLogProbGroup(size_t row) const {
        return std::string(kTokenLogProbs) + "/" + std::to_string(row);
    }
};

Project::Project(std::unique_ptr<State> state) : s_(std::move(state)) {}
Project::Project(Project&&) noexcept = default;
Project& Project::operator=(Project&&) noexcept = default;
Project::~Project() {
    if (s_ && s_->file && s_->writable) s_->flush();
}

Project Project::create(const std::string& path, const TextSet& texts,
                        const std::string& convention) {
    silenceHdf5();
    if (std::filesystem::exists(path)) {
        throw InputError("the file already exists", path, "choose another name or open it instead");
    }
    if (texts.size() == 0) throw InputError("a project needs at least one text", path);
    if (texts.hasPrompts() && texts.prompts.size() != texts.size()) {
        throw Error("a prompt-response set needs one prompt per response", path);
    }
    for (size_t i = 0; i < texts.size(); ++i) {
        if (texts.texts[i].find('\0') != std::string::npos ||
            (texts.hasPrompts() && texts.prompts[i].find('\0') != std::string::npos)) {
            throw InputError(
                "text " + std::to_string(i) + " (id " + texts.ids[i] + ") contains a NUL byte",
                path, "remove NUL bytes from the texts");
        }
    }
    auto s = std::make_unique<State>();
    s->path = path;
    s->writable = true;
    s->file = h5::Handle(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!s->file) {
        throw InputError("cannot create the project file", path,
                         "check that the folder exists and is writable");
    }
    hid_t root = s->file.get();
    h5::setStringAttribute(root, "format", kFormatName, path);
    h5::setIntAttribute(root, "format_version", kFormatVersion, path);

    h5::Handle textGroup = h5::createGroup(root, "texts", path);
    h5::writeStrings(textGroup.get(), "text", texts.texts, false, path);
    h5::writeStrings(textGroup.get(), "id", texts.ids, false, path);
    h5::writeStrings(textGroup.get(), "source", texts.sources, false, path);
    if (texts.hasPrompts()) h5::writeStrings(textGroup.get(), "prompt", texts.prompts, false, path);
    std::vector<int64_t> bytes;
    for (const std::string& t : texts.texts) bytes.push_back(static_cast<int64_t>(t.size()));
    hsize_t n = bytes.size();
    h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    h5::Handle bytesDs(H5Dcreate2(textGroup.get(), "bytes", H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                                  H5P_DEFAULT, H5P_DEFAULT),
                       H5Dclose);
    h5::check(
        H5Dwrite(bytesDs.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
        "cannot write the text lengths (is the disk full?)", path);
    s->hash = texts.contentHash();
    h5::setStringAttribute(textGroup.get(), "content_hash", s->hash, path);

    h5::Handle modelGroup = h5::createGroup(root, "models", path);
    h5::writeStrings(modelGroup.get(), "id", {}, true, path);
    h5::writeStrings(modelGroup.get(), "metadata", {}, true, path);

    h5::Handle scoreGroup = h5::createGroup(root, "scores", path);
    h5::setStringAttribute(scoreGroup.get(), "convention", convention, path);
    h5::setStringAttribute(scoreGroup.get(), "text_set_hash", s->hash, path);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const int32_t unknown = -1;
    s->loglik = createMatrix(scoreGroup.get(), "loglik", H5T_IEEE_F64LE, texts.size(), &nan, path);
    s->tokens =
        createMatrix(scoreGroup.get(), "tokens", H5T_STD_I32LE, texts.size(), &unknown, path);
    const int8_t unknownCut = -1;
    s->truncated =
        createMatrix(scoreGroup.get(), "truncated", H5T_STD_I8LE, texts.size(), &unknownCut, path);

    h5::Handle provGroup = h5::createGroup(root, "provenance", path);
    h5::writeStrings(provGroup.get(), "runs", {}, true, path);

    s->texts = texts;
    s->convention = convention;
    s->disk = DiskReserve(path);
    s->flush();
    return Project(std::move(s));
}

Project Project::open(const std::string& path, bool writable) {
    silenceHdf5();
    if (!std::filesystem::exists(path)) {
        throw InputError("no such file", path, "check the path, or create the project first");
    }
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        throw InputError("not an HDF5 file", path, "open a project file written by LLMap (.h5)");
    }
    auto s = std::make_unique<State>();
    s->path = path;
    s->writable = writable;
    s->file = h5::Handle(
        H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!s->file) {
        throw InputError("cannot open the file (damaged, or held open by another program)", path,
                         "close other programs using it; a file left by a crash can be repaired "
                         "with 'h5clear -s -i'");
    }
    hid_t root = s->file.get();
    if (!h5::hasAttribute(root, "format") ||
        h5::stringAttribute(root, "format", path) != kFormatName) {
        throw InputError("an HDF5 file, but not an LLMap project", path,
                         "create a project with 'llmap-cli import' or 'llmap-cli score'");
    }
    long long version = h5::intAttribute(root, "format_version", path);
    if (version > kFormatVersion) {
        throw InputError("written by a newer LLMap (format " + std::to_string(version) + ")", path,
                         "update LLMap to open it");
    }

    h5::Handle textGroup = h5::openGroup(root, "texts", path);
    s->texts.texts = h5::readStrings(textGroup.get(), "text", path);
    s->texts.ids = h5::readStrings(textGroup.get(), "id", path);
    s->texts.sources = h5::readStrings(textGroup.get(), "source", path);
    if (h5::exists(textGroup.get(), "prompt"))
        s->texts.prompts = h5::readStrings(textGroup.get(), "prompt", path);
    s->hash = h5::stringAttribute(textGroup.get(), "content_hash", path);
    if (s->texts.ids.size() != s->texts.size() || s->texts.sources.size() != s->texts.size() ||
        (s->texts.hasPrompts() && s->texts.prompts.size() != s->texts.size())) {
        throw InputError("the text datasets disagree in length", path, "the file is damaged");
    }

    h5::Handle modelGroup = h5::openGroup(root, "models", path);
    std::vector<std::string> ids = h5::readStrings(modelGroup.get(), "id", path);
    std::vector<std::string> meta = h5::readStrings(modelGroup.get(), "metadata", path);
    h5::Handle scoreGroup = h5::openGroup(root, "scores", path);
    s->convention = h5::stringAttribute(scoreGroup.get(), "convention", path);
    s->loglik = h5::openDataset(scoreGroup.get(), "loglik", path);
    s->tokens = h5::openDataset(scoreGroup.get(), "tokens", path);
    auto d = h5::dims(s->loglik.get(), path);
    if (d.size() != 2 || d[1] != s->texts.size()) {
        throw InputError("the score matrix does not match the text set", path,
                         "the file is damaged");
    }
    if (writable) s->disk = DiskReserve(path);
    // Projects written before truncation was recorded get the dataset (all unknown) when opened
    // for writing.
    if (h5::exists(scoreGroup.get(), "truncated")) {
        s->truncated = h5::openDataset(scoreGroup.get(), "truncated", path);
    } else if (writable) {
        s->reserve(d[0] * d[1]);
        const int8_t unknownCut = -1;
        s->truncated = createMatrix(scoreGroup.get(), "truncated", H5T_STD_I8LE, s->texts.size(),
                                    &unknownCut, path);
        hsize_t extent[2] = {d[0], d[1]};
        h5::check(H5Dset_extent(s->truncated.get(), extent), "cannot grow the truncation matrix",
                  path);
        s->flush();
    }
    if (h5::exists(scoreGroup.get(), "marginal")) {
        s->marginal = h5::openDataset(scoreGroup.get(), "marginal", path);
        if (h5::dims(s->marginal.get(), path) != d) {
            throw InputError("the marginal matrix does not match the score matrix", path,
                             "the file is damaged");
        }
    }
    // A writer killed between growing the matrix and naming the model leaves extra rows: the model
    // list is the truth, extra rows are ignored (and reused by the next addModel).
    size_t rows = std::min<size_t>({ids.size(), meta.size(), static_cast<size_t>(d[0])});
    for (size_t i = 0; i < rows; ++i) s->models.push_back({ids[i], meta[i]});
    return Project(std::move(s));
}

const std::string& Project::path() const {
    return s_->path;
}
const TextSet& Project::texts() const {
    return s_->texts;
}
const std::string& Project::textSetHash() const {
    return s_->hash;
}
const std::string& Project::convention() const {
    return s_->convention;
}
size_t Project::modelCount() const {
    return s_->models.size();
}
const std::vector<ModelRecord>& Project::models() const {
    return s_->models;
}

std::optional<size_t> Project::findModel(const std::string& id) const {
    for (size_t i = 0; i < s_->models.size(); ++i) {
        if (s_->models[i].id == id) return i;
    }
    return std::nullopt;
}

size_t Project::addModel(const ModelRecord& model) {
    s_->requireWritable();
    if (findModel(model.id)) {
        throw InputError("the model id \"" + model.id + "\" is already in the project", s_->path,
                         "give each model its own id");
    }
    size_t row = s_->models.size();
    s_->reserve(13 * s_->texts.size() + model.metadataJson.size() + model.id.size());
    h5::Handle modelGroup = h5::openGroup(s_->file.get(), "models", s_->path);
    // Per-token values left by an interrupted add belong to no model.
    if (h5::exists(s_->file.get(), kTokenLogProbs)) {
        h5::Handle group = h5::openGroup(s_->file.get(), kTokenLogProbs, s_->path);
        const std::string name = std::to_string(row);
        if (h5::exists(group.get(), name)) H5Ldelete(group.get(), name.c_str(), H5P_DEFAULT);
    }
    s_->tokenOffsets.erase(row);
    // Reset a row left over by an interrupted add, so it cannot carry stale scores.
    auto d = h5::dims(s_->loglik.get(), s_->path);
    if (d[0] > row) s_->growRows(row);
    s_->growRows(row + 1);
    // Truncate the name lists first, in case an interrupted add left one longer than the other.
    for (const char* name : {"id", "metadata"}) {
        h5::Handle ds = h5::openDataset(modelGroup.get(), name, s_->path);
        hsize_t n = row;
        h5::check(H5Dset_extent(ds.get(), &n), std::string("cannot resize /models/") + name,
                  s_->path);
    }
    h5::appendString(modelGroup.get(), "metadata", model.metadataJson, s_->path);
    h5::appendString(modelGroup.get(), "id", model.id, s_->path);
    s_->models.push_back(model);
    s_->flush();
    return row;
}

void Project::setModelMetadata(size_t row, const std::string& metadataJson) {
    s_->requireWritable();
    s_->requireRow(row);
    s_->reserve(metadataJson.size());
    h5::Handle modelGroup = h5::openGroup(s_->file.get(), "models", s_->path);
    h5::replaceString(modelGroup.get(), "metadata", row, metadataJson, s_->path);
    s_->models[row].metadataJson = metadataJson;
    s_->flush();
}

void Project::writeScores(size_t row, size_t firstText, const std::vector<double>& loglik,
                          const std::vector<int32_t>& tokens,
                          const std::vector<int8_t>& truncated) {
    s_->requireWritable();
    s_->requireRow(row);
    if (firstText + loglik.size() > s_->texts.size()) {
        throw Error("scores past the last text", s_->path);
    }
    if (!tokens.empty() && tokens.size() != loglik.size()) {
        throw Error("token counts and scores differ in length", s_->path);
    }
    if (!truncated.empty() && truncated.size() != loglik.size()) {
        throw Error("truncation flags and scores differ in length", s_->path);
    }
    if (loglik.empty()) return;
    s_->reserve(13 * loglik.size());
    auto write = [&](hid_t ds, hid_t memType, const void* data) {
        writeRowSpan(ds, memType, row, firstText, loglik.size(), data, s_->path);
    };
    if (!tokens.empty()) write(s_->tokens.get(), H5T_NATIVE_INT32, tokens.data());
    if (!truncated.empty()) write(s_->truncated.get(), H5T_NATIVE_INT8, truncated.data());
    // What a score stands with (token counts, truncation flags, per-token values, marginal
    // scores) reaches the file before the score: one flush writes the datasets in an order of
    // its own, and a kill inside it could keep a score without its token count.
    h5::check(H5Fflush(s_->file.get(), H5F_SCOPE_GLOBAL), "cannot flush scores (is the disk full?)",
              s_->path);
    write(s_->loglik.get(), H5T_NATIVE_DOUBLE, loglik.data());
    h5::check(H5Fflush(s_->file.get(), H5F_SCOPE_GLOBAL), "cannot flush scores (is the disk full?)",
              s_->path);
    s_->disk.release(s_->file.get());
}

namespace {
template <typename T>
std::vector<T> readRow(hid_t ds, hid_t memType, size_t row, size_t columns,
                       const std::string& where) {
    std::vector<T> out(columns);
    if (columns == 0) return out;
    hsize_t start[2] = {row, 0};
    hsize_t count[2] = {1, columns};
    h5::Handle space(H5Dget_space(ds), H5Sclose);
    h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
              "cannot select row " + std::to_string(row), where);
    h5::Handle memSpace(H5Screate_simple(2, count, nullptr), H5Sclose);
    h5::check(H5Dread(ds, memType, memSpace.get(), space.get(), H5P_DEFAULT, out.data()),
              "cannot read row " + std::to_string(row), where);
    return out;
}
}  // namespace

std::vector<double> Project::scoreRow(size_t row) const {
    s_->requireRow(row);
    return readRow<double>(s_->loglik.get(), H5T_NATIVE_DOUBLE, row, s_->texts.size(), s_->path);
}

std::vector<int32_t> Project::tokenRow(size_t row) const {
    s_->requireRow(row);
    return readRow<int32_t>(s_->tokens.get(), H5T_NATIVE_INT32, row, s_->texts.size(), s_->path);
}

std::vector<int8_t> Project::truncatedRow(size_t row) const {
    s_->requireRow(row);
    if (!s_->truncated) return std::vector<int8_t>(s_->texts.size(), -1);
    return readRow<int8_t>(s_->truncated.get(), H5T_NATIVE_INT8, row, s_->texts.size(), s_->path);
}

void Project::beginTokenLogProbs(size_t row, const std::vector<int64_t>& offsets) {
    s_->requireWritable();
    s_->requireRow(row);
    const std::string& where = s_->path;
    if (offsets.size() != s_->texts.size() + 1 || offsets.front() != 0 ||
        !std::is_sorted(offsets.begin(), offsets.end())) {
        throw Error("per-token offsets must rise from 0, one more than the texts", where);
    }
    if (tokenLogProbOffsets(row) == offsets) return;
    const auto total = static_cast<hsize_t>(offsets.back());
    s_->reserve(4 * total + 8 * offsets.size());
    hid_t file = s_->file.get();
    h5::Handle parent = h5::exists(file, kTokenLogProbs)
                            ? h5::openGroup(file, kTokenLogProbs, where)
                            : h5::createGroup(file, kTokenLogProbs, where);
    const std::string name = std::to_string(row);
    if (h5::exists(parent.get(), name)) H5Ldelete(parent.get(), name.c_str(), H5P_DEFAULT);
    h5::Handle group = h5::createGroup(parent.get(), name, where);
    h5::setStringAttribute(group.get(), "model", s_->models[row].id, where);

    hsize_t n = offsets.size();
    h5::Handle offsetSpace(H5Screate_simple(1, &n, nullptr), H5Sclose);
    h5::Handle offsetData(
        h5::check(H5Dcreate2(group.get(), "offsets", H5T_STD_I64LE, offsetSpace.get(), H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create the per-token offsets", where),
        H5Dclose);
    h5::check(
        H5Dwrite(offsetData.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data()),
        "cannot write the per-token offsets", where);

    hsize_t maxDims = H5S_UNLIMITED;
    h5::Handle space(H5Screate_simple(1, &total, &maxDims), H5Sclose);
    h5::Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    hsize_t chunk = std::clamp<hsize_t>(total, 1, 1 << 16);
    h5::check(H5Pset_chunk(props.get(), 1, &chunk), "cannot set up the per-token values", where);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    h5::check(H5Pset_fill_value(props.get(), H5T_NATIVE_FLOAT, &nan),
              "cannot set up the per-token values", where);
    h5::Handle values(h5::check(H5Dcreate2(group.get(), "values", H5T_IEEE_F32LE, space.get(),
                                           H5P_DEFAULT, props.get(), H5P_DEFAULT),
                                "cannot create the per-token values", where),
                      H5Dclose);
    s_->flush();
    s_->tokenOffsets[row] = offsets;
}

bool Project::hasTokenLogProbs(size_t row) const {
    return !tokenLogProbOffsets(row).empty();
}

std::vector<int64_t> Project::tokenLogProbOffsets(size_t row) const {
    s_->requireRow(row);
    const auto cached = s_->tokenOffsets.find(row);
    if (cached != s_->tokenOffsets.end()) return cached->second;
    hid_t file = s_->file.get();
    const std::string name = s_->tokenLogProbGroup(row);
    if (!h5::exists(file, kTokenLogProbs) || !h5::exists(file, name)) return {};
    h5::Handle data = h5::openDataset(file, name + "/offsets", s_->path);
    std::vector<int64_t> offsets(h5::dims(data.get(), s_->path).at(0));
    h5::check(H5Dread(data.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data()),
              "cannot read the per-token offsets", s_->path);
    s_->tokenOffsets[row] = offsets;
    return offsets;
}

namespace {
// Reads or writes values [first, first + count) of a 1-D dataset.
void transferSpan(hid_t data, hsize_t first, hsize_t count, float* values, bool write,
                  const std::string& where) {
    if (count == 0) return;
    h5::Handle space(H5Dget_space(data), H5Sclose);
    h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr),
              "cannot select per-token values", where);
    h5::Handle memSpace(H5Screate_simple(1, &count, nullptr), H5Sclose);
    if (write) {
        h5::check(
            H5Dwrite(data, H5T_NATIVE_FLOAT, memSpace.get(), space.get(), H5P_DEFAULT, values),
            "cannot write per-token values (is the disk full?)", where);
    } else {
        h5::check(H5Dread(data, H5T_NATIVE_FLOAT, memSpace.get(), space.get(), H5P_DEFAULT, values),
                  "cannot read per-token values", where);
    }
}
}  // namespace

void Project::writeTokenLogProbs(size_t row, size_t text, const std::vector<float>& values) {
    s_->requireWritable();
    if (!hasTokenLogProbs(row)) throw Error("no per-token layout for this model", s_->path);
    const std::vector<int64_t>& offsets = s_->tokenOffsets.at(row);
    if (text + 1 >= offsets.size() ||
        offsets[text + 1] - offsets[text] != static_cast<int64_t>(values.size())) {
        throw Error(
            "per-token values of text " + std::to_string(text) + " do not fit the stored layout",
            s_->path);
    }
    s_->reserve(4 * values.size());
    h5::Handle data =
        h5::openDataset(s_->file.get(), s_->tokenLogProbGroup(row) + "/values", s_->path);
    transferSpan(data.get(), static_cast<hsize_t>(offsets[text]), values.size(),
                 const_cast<float*>(values.data()), true, s_->path);
}

std::vector<float> Project::tokenLogProbs(size_t row, size_t text) const {
    const std::vector<int64_t> offsets = tokenLogProbOffsets(row);
    if (offsets.empty() || text + 1 >= offsets.size()) return {};
    std::vector<float> out(static_cast<size_t>(offsets[text + 1] - offsets[text]));
    h5::Handle data =
        h5::openDataset(s_->file.get(), s_->tokenLogProbGroup(row) + "/values", s_->path);
    transferSpan(data.get(), static_cast<hsize_t>(offsets[text]), out.size(), out.data(), false,
                 s_->path);
    return out;
}

std::vector<float> Project::allTokenLogProbs(size_t row) const {
    const std::vector<int64_t> offsets = tokenLogProbOffsets(row);
    if (offsets.empty()) return {};
    std::vector<float> out(static_cast<size_t>(offsets.back()));
    h5::Handle data =
        h5::openDataset(s_->file.get(), s_->tokenLogProbGroup(row) + "/values", s_->path);
    transferSpan(data.get(), 0, out.size(), out.data(), false, s_->path);
    return out;
}

bool Project::hasMarginal() const {
    return static_cast<bool>(s_->marginal);
}

void Project::enableMarginal() {
    s_->requireWritable();
    if (s_->marginal) return;
    const auto d = h5::dims(s_->loglik.get(), s_->path);
    s_->reserve(8 * d[0] * d[1]);
    h5::Handle scoreGroup = h5::openGroup(s_->file.get(), "scores", s_->path);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s_->marginal = createMatrix(scoreGroup.get(), "marginal", H5T_IEEE_F64LE, s_->texts.size(),
                                &nan, s_->path);
    hsize_t extent[2] = {d[0], d[1]};
    h5::check(H5Dset_extent(s_->marginal.get(), extent), "cannot grow the marginal matrix",
              s_->path);
    s_->flush();
}

void Project::writeMarginal(size_t row, size_t firstText, const std::vector<double>& values) {
    s_->requireWritable();
    s_->requireRow(row);
    if (!s_->marginal) throw Error("the project has no marginal matrix", s_->path);
    if (firstText + values.size() > s_->texts.size()) {
        throw Error("marginal scores past the last text", s_->path);
    }
    if (values.empty()) return;
    s_->reserve(8 * values.size());
    writeRowSpan(s_->marginal.get(), H5T_NATIVE_DOUBLE, row, firstText, values.size(),
                 values.data(), s_->path);
}

std::vector<double> Project::marginalRow(size_t row) const {
    s_->requireRow(row);
    if (!s_->marginal)
        return std::vector<double>(s_->texts.size(), std::numeric_limits<double>::quiet_NaN());
    return readRow<double>(s_->marginal.get(), H5T_NATIVE_DOUBLE, row, s_->texts.size(), s_->path);
}

void Project::selectMatrix(const std::string& name) {
    if (name != "loglik" && name != "pmi") {
        throw InputError("there is no matrix \"" + name + "\"", s_->path,
                         "choose loglik (log-likelihoods) or pmi (prompt-response projects scored "
                         "with --pmi)");
    }
    if (name == "pmi" && !s_->marginal) {
        throw InputError("the project has no PMI matrix", s_->path,
                         s_->texts.hasPrompts()
                             ? "score its models with --pmi (which also scores every response "
                               "without its prompt)"
                             : "PMI needs a prompt-response text set (\"prompt\" and "
                               "\"response\" fields) scored with --pmi");
    }
    s_->matrix = name;
}

const std::string& Project::matrix() const {
    return s_->matrix;
}

namespace {
Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> readMatrix(
    hid_t data, size_t k, size_t n, const std::string& where) {
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(k, n);
    if (k > 0 && n > 0) {
        hsize_t start[2] = {0, 0};
        hsize_t count[2] = {k, n};
        h5::Handle space(H5Dget_space(data), H5Sclose);
        h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
                  "cannot select the score matrix", where);
        h5::Handle memSpace(H5Screate_simple(2, count, nullptr), H5Sclose);
        h5::check(
            H5Dread(data, H5T_NATIVE_DOUBLE, memSpace.get(), space.get(), H5P_DEFAULT, m.data()),
            "cannot read the score matrix", where);
    }
    return m;
}
}  // namespace

Eigen::MatrixXd Project::scores() const {
    const size_t k = s_->models.size(), n = s_->texts.size();
    const bool pmi = s_->matrix == "pmi";
    // The row-major read(s) and the column-major copy returned.
    requireMemory((pmi ? 3 : 2) * static_cast<int64_t>(k * n * sizeof(double)),
                  "reading the score matrix (" + std::to_string(k) + " models × " +
                      std::to_string(n) + " texts)",
                  s_->path);
    auto m = readMatrix(s_->loglik.get(), k, n, s_->path);
    if (pmi) m -= readMatrix(s_->marginal.get(), k, n, s_->path);  // NaN stays NaN
    return m;
}

std::vector<size_t> Project::completeRows() const {
    Eigen::MatrixXd m = scores();
    std::vector<size_t> rows;
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        if (!m.row(i).array().isNaN().any()) rows.push_back(static_cast<size_t>(i));
    }
    return rows;
}

void Project::appendProvenance(const std::string& json) {
    s_->requireWritable();
    s_->reserve(json.size());
    h5::Handle group = h5::openGroup(s_->file.get(), "provenance", s_->path);
    h5::appendString(group.get(), "runs", json, s_->path);
    s_->flush();
}

std::vector<std::string> Project::provenance() const {
    h5::Handle group = h5::openGroup(s_->file.get(), "provenance", s_->path);
    return h5::readStrings(group.get(), "runs", s_->path);
}

namespace {

const char* kAnalysisGroup = "analysis";

void checkResultName(const std::string& name, const std::string& where) {
    bool ok = !name.empty() && name.size() <= 128;
    for (char c : name) {
        ok =
            ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
    }
    if (!ok) {
        throw InputError("invalid result name \"" + name + "\"", where,
                         "use letters, digits, '_', '-' or '.' (at most 128 characters)");
    }
}

h5::Handle analysisGroup(hid_t file, bool create, const std::string& where) {
    if (h5::exists(file, kAnalysisGroup)) return h5::openGroup(file, kAnalysisGroup, where);
    if (!create) return {};
    return h5::createGroup(file, kAnalysisGroup, where);
}

}  // namespace

void Project::writeResult(const std::string& name, const Eigen::MatrixXd& values,
                          const std::vector<std::string>& rowIds, const std::string& paramsJson,
                          const std::vector<std::string>& columns) {
    s_->requireWritable();
    const std::string where = s_->path + ":/analysis/" + s_->resultKey(name);
    checkResultName(s_->resultKey(name), where);
    if (rowIds.size() != static_cast<size_t>(values.rows())) {
        throw Error("result has " + std::to_string(values.rows()) + " rows but " +
                        std::to_string(rowIds.size()) + " row ids",
                    where);
    }
    if (!columns.empty() && columns.size() != static_cast<size_t>(values.cols())) {
        throw Error("result has " + std::to_string(values.cols()) + " columns but " +
                        std::to_string(columns.size()) + " column names",
                    where);
    }
    s_->reserve(8 * static_cast<uint64_t>(values.size()) + paramsJson.size());
    h5::Handle parent = analysisGroup(s_->file.get(), true, where);
    const std::string key = s_->resultKey(name);
    if (h5::exists(parent.get(), key)) {
        h5::check(H5Ldelete(parent.get(), key.c_str(), H5P_DEFAULT), "cannot replace the result",
                  where);
    }
    h5::Handle group = h5::createGroup(parent.get(), key, where);
    hsize_t dims[2] = {static_cast<hsize_t>(values.rows()), static_cast<hsize_t>(values.cols())};
    h5::Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    h5::Handle data(h5::check(H5Dcreate2(group.get(), "values", H5T_IEEE_F64LE, space.get(),
                                         H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                              "cannot create the values dataset", where),
                    H5Dclose);
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rowMajor = values;
    if (values.size() > 0) {
        h5::check(
            H5Dwrite(data.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, rowMajor.data()),
            "cannot write the values", where);
    }
    h5::writeStrings(group.get(), "row_ids", rowIds, false, where);
    std::vector<std::string> names = columns;
    if (names.empty()) {
        for (Eigen::Index c = 0; c < values.cols(); ++c) names.push_back(std::to_string(c));
    }
    h5::writeStrings(group.get(), "columns", names, false, where);
    h5::setStringAttribute(group.get(), "params", paramsJson, where);
    s_->flush();
}

std::optional<AnalysisResult> Project::readResult(const std::string& name) const {
    const std::string key = s_->resultKey(name);
    const std::string where = s_->path + ":/analysis/" + key;
    checkResultName(key, where);
    h5::Handle parent = analysisGroup(s_->file.get(), false, where);
    if (!parent || !h5::exists(parent.get(), key)) return std::nullopt;
    h5::Handle group = h5::openGroup(parent.get(), key, where);
    h5::Handle data = h5::openDataset(group.get(), "values", where);
    const std::vector<hsize_t> d = h5::dims(data.get(), where);
    if (d.size() != 2) throw Error("the values dataset is not 2-D", where);
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rowMajor(
        static_cast<Eigen::Index>(d[0]), static_cast<Eigen::Index>(d[1]));
    if (rowMajor.size() > 0) {
        h5::check(
            H5Dread(data.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, rowMajor.data()),
            "cannot read the values", where);
    }
    AnalysisResult r;
    r.values = rowMajor;
    r.rowIds = h5::readStrings(group.get(), "row_ids", where);
    r.columns = h5::readStrings(group.get(), "columns", where);
    r.paramsJson = h5::stringAttribute(group.get(), "params", where);
    return r;
}

std::vector<std::string> Project::resultNames() const {
    std::vector<std::string> names;
    h5::Handle group = analysisGroup(s_->file.get(), false, s_->path);
    if (!group) return names;
    const herr_t listed = H5Literate(
        group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
            static_cast<std::vector<std::string>*>(out)->push_back(name);
            return 0;
        },
        &names);
    h5::check(listed, "cannot list the stored analyses", s_->path);
    // Only the selected matrix's results, by the names they were written with.
    std::vector<std::string> selected;
    for (const std::string& key : names) {
        const bool pmi = key.rfind("pmi.", 0) == 0;
        if (pmi != (s_->matrix == "pmi")) continue;
        selected.push_back(pmi ? key.substr(4) : key);
    }
    return selected;
}

std::optional<double> Project::clipThreshold() const {
    h5::Handle group = analysisGroup(s_->file.get(), false, s_->path);
    const char* name = s_->matrix == "pmi" ? "clip_threshold_pmi" : "clip_threshold";
    if (!group || !h5::hasAttribute(group.get(), name)) return std::nullopt;
    return h5::doubleAttribute(group.get(), name, s_->path + ":/analysis");
}

void Project::setClipThreshold(double threshold) {
    s_->requireWritable();
    s_->reserve(0);
    h5::Handle group = analysisGroup(s_->file.get(), true, s_->path);
    h5::setDoubleAttribute(group.get(),
                           s_->matrix == "pmi" ? "clip_threshold_pmi" : "clip_threshold", threshold,
                           s_->path + ":/analysis");
    s_->flush();
}

}  // namespace llmap
