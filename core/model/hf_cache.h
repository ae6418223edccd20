#pragma once
// Model folders in the local Hugging Face cache ($HF_HOME/hub, else ~/.cache/huggingface/hub):
// hub/models--ORG--NAME/snapshots/REVISION/, the revision that refs/main names, else the newest.
#include <string>
#include <vector>

namespace llmap {

struct CachedModel {
    std::string id;    // "ORG/NAME"
    std::string path;  // the snapshot folder
};

// The cache folder from the environment; empty when neither HF_HOME nor HOME is set.
std::string defaultHuggingFaceHub();

// Snapshots that hold a config.json, sorted by id. A missing or unreadable cache gives none.
std::vector<CachedModel> findCachedModels(const std::string& hubFolder);

}  // namespace llmap
