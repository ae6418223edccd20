#include "util/compressed_file.h"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "util/error.h"

namespace llmap {

namespace {

bool startsWithGzipMagic(const std::string& bytes) {
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
           static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(const std::string& data, const std::string& path) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) throw Error("zlib could not start", path);
    std::string out;
    char buffer[1 << 16];
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    while (true) {
        zs.next_out = reinterpret_cast<Bytef*>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buffer, sizeof buffer - zs.avail_out);
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            inflateReset(&zs);  // a further gzip member follows
            continue;
        }
        if (rc != Z_OK || (zs.avail_in == 0 && zs.avail_out != 0)) break;
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        throw InputError("the gzip data is damaged or cut short (zlib: " +
                             std::string(zs.msg ? zs.msg : "incomplete stream") + ")",
                         path, "decompress it with gunzip to see the damage, or recreate it");
    }
    return out;
}

}  // namespace

std::string readInputFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("cannot open the file", path, "check the path and its permissions");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) throw InputError("cannot read the file", path, "check the file and the disk");
    std::string bytes = buffer.str();
    if (startsWithGzipMagic(bytes)) return gunzip(bytes, path);
    return bytes;
}

std::string gzipCompress(const std::string& bytes) {
    z_stream zs{};
    // windowBits 15 + 16: a gzip wrapper whose header holds no name and modification time 0.
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw Error("zlib could not start the compressor");
    }
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(bytes.size())));
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw Error("zlib could not compress the data");
    return out;
}

bool hasGzipSuffix(const std::string& path) {
    return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

}  // namespace llmap
