#pragma once
// Shared by the fuzz targets: a scratch folder for parsers that read files, and the rule that
// bad input may only end in llmap::Error (InputError or Error): any other exception, a crash, a
// sanitizer report or a hang is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "util/error.h"

namespace llmap::fuzz {

// A private folder under the temporary directory, removed at exit.
inline const std::string& scratchDir() {
    struct Folder {
        std::string path;
        Folder() {
            path = (std::filesystem::temp_directory_path() / "llmap-fuzz-XXXXXX").string();
            if (!mkdtemp(path.data())) std::abort();
        }
        ~Folder() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static const Folder folder;
    return folder.path;
}

// Writes the input to scratchDir()/name and returns the path.
inline std::string writeScratch(const std::string& name, std::string_view bytes) {
    const std::string path = scratchDir() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

inline std::string_view asView(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Runs `parse`; an llmap::Error is the expected way to refuse bad input.
template <typename F>
void expectCleanOutcome(F&& parse) {
    try {
        parse();
    } catch (const llmap::Error& e) {
        // The message must name something: an empty one helps nobody.
        if (std::string_view(e.what()).empty()) std::abort();
    }
}

}  // namespace llmap::fuzz
