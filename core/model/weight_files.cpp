#include "model/weight_files.h"

#include <algorithm>
#include <filesystem>

#include "util/error.h"
#include "util/json_file.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

const char* kPickleFix =
    "PyTorch .bin/.pt files are pickles, and loading a pickle can run arbitrary code, so LLMap "
    "reads safetensors only; convert once in Python with "
    "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)";

std::vector<std::string> pickleFiles(const fs::path& folder) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const std::string ext = entry.path().extension().string();
        if (ext == ".bin" || ext == ".pt" || ext == ".pth")
            found.push_back(entry.path().filename());
    }
    return found;
}

}  // namespace

const TensorEntry* WeightFiles::find(const std::string& name) const {
    const auto it = tensorToFile.find(name);
    if (it == tensorToFile.end()) return nullptr;
    const auto& tensors = headers[it->second].tensors;
    const auto t = tensors.find(name);
    return t == tensors.end() ? nullptr : &t->second;
}

WeightFiles openWeightFiles(const std::string& folderName) {
    const fs::path folder(folderName);
    WeightFiles w;
    const fs::path index = folder / "model.safetensors.index.json";
    const fs::path single = folder / "model.safetensors";
    std::map<std::string, std::string> indexMap;  // tensor -> file name, from the index
    if (fs::exists(index)) {
        const nlohmann::json json = readJsonFile(index.string());
        const auto map = json.find("weight_map");
        if (map == json.end() || !map->is_object()) {
            throw InputError("shard index has no \"weight_map\" object", index.string(),
                             "re-save the model with save_pretrained");
        }
        std::vector<std::string> names;
        for (const auto& [tensor, file] : map->items()) {
            if (!file.is_string()) {
                throw InputError("weight_map entry for \"" + tensor + "\" is not a file name",
                                 index.string(), "re-save the model with save_pretrained");
            }
            const std::string f = file.get<std::string>();
            if (f.find('/') != std::string::npos || f.find('\\') != std::string::npos) {
                throw InputError("weight_map names a file outside the folder: " + f, index.string(),
                                 "shards must lie next to the index");
            }
            indexMap[tensor] = f;
            names.push_back(f);
        }
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        for (const auto& n : names) {
            if (!fs::exists(folder / n)) {
                throw InputError("shard \"" + n + "\" named by the index is missing",
                                 index.string(), "download the missing shard");
            }
            w.files.push_back((folder / n).string());
        }
    } else if (fs::exists(single)) {
        w.files.push_back(single.string());
    } else {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(folder, ec)) {
            if (entry.path().extension() == ".safetensors")
                w.files.push_back(entry.path().string());
        }
        std::sort(w.files.begin(), w.files.end());
        if (w.files.size() > 1) {
            throw InputError("several .safetensors files but no model.safetensors.index.json",
                             folderName, "add the shard index that came with the model");
        }
    }
    if (w.files.empty()) {
        const auto pickles = pickleFiles(folder);
        if (!pickles.empty()) {
            throw InputError("weights are only in PyTorch pickle format (" + pickles.front() + ")",
                             folderName, kPickleFix);
        }
        throw InputError("no weights found (no model.safetensors or shard index)", folderName,
                         "point to a Hugging Face model folder with *.safetensors files");
    }
    for (size_t i = 0; i < w.files.size(); ++i) {
        w.headers.push_back(readSafetensorsHeader(w.files[i]));
        for (const auto& [name, entry] : w.headers.back().tensors) {
            if (!w.tensorToFile.emplace(name, i).second) {
                throw InputError("tensor \"" + name + "\" appears in two shards", w.files[i],
                                 "re-save the model with save_pretrained");
            }
        }
    }
    for (const auto& [tensor, file] : indexMap) {
        const auto it = w.tensorToFile.find(tensor);
        if (it == w.tensorToFile.end() || fs::path(w.files[it->second]).filename() != file) {
            throw InputError("the index puts tensor \"" + tensor + "\" in " + file +
                                 " but that shard does not hold it",
                             index.string(), "download the model again");
        }
    }
    return w;
}

}  // namespace llmap
