#include "tokenize/file_bytes.h"

#include <zlib.h>

#include <fstream>

#include "util/error.h"

namespace llmap {

bool isGzipPath(const std::string& path) {
    return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

std::string readFileBytes(const std::string& path) {
    if (!isGzipPath(path)) {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw InputError("cannot open the file", path, "check the path and its permissions");
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) throw InputError("cannot open the file", path, "check the path and its permissions");
    gzbuffer(gz, 1 << 17);
    std::string out;
    char buf[1 << 16];
    for (;;) {
        const int n = gzread(gz, buf, sizeof buf);
        if (n < 0) {
            int err = 0;
            const std::string msg = gzerror(gz, &err);
            gzclose(gz);
            throw InputError("damaged gzip data (" + msg + ")", path, "download the file again");
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    int err = 0;
    gzerror(gz, &err);
    gzclose(gz);
    if (err != Z_OK && err != Z_STREAM_END) {
        throw InputError("truncated gzip data", path, "download the file again");
    }
    return out;
}

}  // namespace llmap
