#include "util/file_output.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace llmap {

void writeFileAtomically(const std::string& path, const std::string& content) {
    const std::string tmp = path + ".partial";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw InputError("cannot write the file", path,
                             "check that the folder exists and is writable");
        }
        out << content;
        out.flush();
        if (!out) {
            out.close();
            std::remove(tmp.c_str());
            throw Error("writing failed (is the disk full?)", path);
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw Error("cannot replace the file: " + ec.message(), path);
    }
}

}  // namespace llmap
