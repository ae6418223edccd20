#include "util/csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/compressed_file.h"
#include "util/error.h"
#include "util/utf8.h"

namespace llmap {

CsvTable readCsv(const std::string& path) {
    const std::string data = readInputFile(path);
    requireValidUtf8(data, path);  // ids and fields end up in the project's UTF-8 strings and JSON

    CsvTable table;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    bool fieldStarted = false;
    size_t line = 1, rowLine = 1, quoteLine = 0;
    auto endField = [&] {
        row.push_back(std::move(field));
        field.clear();
        fieldStarted = false;
    };
    auto endRow = [&] {
        endField();
        bool blank = row.size() == 1 && row[0].empty();
        if (!blank) {
            table.rows.push_back(std::move(row));
            table.lines.push_back(rowLine);
        }
        row.clear();
    };
    size_t i = data.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a UTF-8 byte-order mark
    for (; i < data.size(); ++i) {
        char c = data[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < data.size() && data[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"' && !fieldStarted) {
            quoted = true;
            fieldStarted = true;
            quoteLine = line;
        } else if (c == ',') {
            endField();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
            endRow();
            ++line;
            rowLine = line;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted) {
        throw InputError(
            "a quoted field opened on line " + std::to_string(quoteLine) + " is never closed", path,
            "close the quote or remove it");
    }
    if (fieldStarted || !row.empty()) endRow();
    return table;
}

void writeCsvRow(std::ostream& out, const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out << ',';
        const std::string& f = fields[i];
        if (f.find_first_of(",\"\n\r") == std::string::npos) {
            out << f;
            continue;
        }
        out << '"';
        for (char c : f) {
            if (c == '"') out << '"';
            out << c;
        }
        out << '"';
    }
    out << '\n';
}

std::string formatDouble(double value) {
    if (std::isnan(value)) return "nan";
    char buf[32];
    auto result = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, result.ptr);
}

bool parseDouble(const std::string& cell, double& value) {
    size_t b = cell.find_first_not_of(" \t");
    size_t e = cell.find_last_not_of(" \t");
    if (b == std::string::npos) return false;
    std::string s = cell.substr(b, e - b + 1);
    if (s == "nan" || s == "NaN" || s == "NAN") {
        value = std::nan("");
        return true;
    }
    const char* begin = s.c_str();
    char* end = nullptr;
    value = std::strtod(begin, &end);
    return end == begin + s.size() && !std::isinf(value) && !std::isnan(value);
}

}  // namespace llmap
