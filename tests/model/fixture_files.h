#pragma once
// Helpers for tests that damage copies of the fixture model folders.
#include <QtTest>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "util/error.h"

namespace fixtures {

// Runs `f`, which must throw llmap::InputError whose message contains `needle`.
template <typename F>
void expectInputError(F f, const std::string& needle) {
    try {
        f();
    } catch (const llmap::InputError& e) {
        if (e.message().find(needle) == std::string::npos) {
            QFAIL(("message lacks \"" + needle + "\": " + e.message()).c_str());
        }
        return;
    } catch (const std::exception& e) {
        QFAIL((std::string("not an InputError: ") + e.what()).c_str());
    }
    QFAIL(("no error; expected one about \"" + needle + "\"").c_str());
}

inline std::string modelDir(const std::string& name) {
    return std::string(LLMAP_TEST_DATA) + "/model/" + name;
}

inline std::string readBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// tests/data/model/oracle.json: what transformers computed for every fixture model.
inline nlohmann::json oracle() {
    return nlohmann::json::parse(readBytes(modelDir("oracle.json")));
}

// tests/data/model/oracle_<folder>.json: what transformers computed for one generator's fixtures.
inline nlohmann::json oracleOf(const std::string& folder) {
    return nlohmann::json::parse(readBytes(modelDir("oracle_" + folder + ".json")));
}

// The entry of `oracle` for the model named `name` ("families_dense/smollm3_...").
inline const nlohmann::json& oracleModel(const nlohmann::json& oracle, const std::string& name) {
    for (const auto& m : oracle["models"]) {
        if (m["name"] == name) return m;
    }
    throw std::runtime_error("no oracle model " + name);
}

// The config.json of the fixture folder `name` ("families_dense/smollm3_...").
inline nlohmann::json fixtureConfig(const std::string& name) {
    return nlohmann::json::parse(readBytes(modelDir(name) + "/config.json"));
}

inline void writeBytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file: 8-byte little-endian length, the header, then `data`.
inline std::string safetensorsBytes(const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + data;
}

// The header JSON and data section of an existing safetensors file.
inline std::pair<std::string, std::string> splitSafetensors(const std::string& bytes) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
    return {bytes.substr(8, n), bytes.substr(8 + n)};
}

// Sets every tensor of a safetensors file whose name ends with `suffix` to zero; returns how many.
inline int zeroTensorsEndingWith(const std::filesystem::path& file, const std::string& suffix) {
    auto [header, data] = splitSafetensors(readBytes(file));
    const auto h = nlohmann::json::parse(header);
    int zeroed = 0;
    for (const auto& [name, t] : h.items()) {
        if (name.size() < suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const size_t begin = t["data_offsets"][0], end = t["data_offsets"][1];
        data.replace(begin, end - begin, std::string(end - begin, '\0'));
        ++zeroed;
    }
    writeBytes(file, safetensorsBytes(header, data));
    return zeroed;
}

// Copies fixture folder `name` to `target` (created).
// `f` must throw one InputError whose one-line message names `file`, contains `needle` and comes
// with a fix.
inline void expectOneLine(const std::function<void()>& f, const std::string& file,
                          const std::string& needle) {
    try {
        f();
    } catch (const llmap::InputError& e) {
        const std::string m = e.message();
        QVERIFY2(m.find(needle) != std::string::npos, m.c_str());
        QVERIFY2(m.find(file) != std::string::npos, m.c_str());
        QVERIFY2(m.find('\n') == std::string::npos, m.c_str());
        QVERIFY2(!e.fix().empty(), m.c_str());
        return;
    } catch (const std::exception& e) {
        QFAIL((std::string("not an InputError: ") + e.what()).c_str());
    }
    QFAIL(("no error; expected one about \"" + needle + "\"").c_str());
}

// Rewrites the config.json of the folder `dir` through `edit`.
inline void editConfig(const std::filesystem::path& dir,
                       const std::function<void(nlohmann::json&)>& edit) {
    auto c = nlohmann::json::parse(readBytes(dir / "config.json"));
    edit(c);
    writeBytes(dir / "config.json", c.dump(1));
}

inline void copyModel(const std::string& name, const std::filesystem::path& target) {
    std::filesystem::create_directories(target);
    for (const auto& e : std::filesystem::directory_iterator(modelDir(name))) {
        std::filesystem::copy_file(e.path(), target / e.path().filename());
    }
}

}  // namespace fixtures
