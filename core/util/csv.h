#pragma once
// RFC 4180 CSV: comma-separated, double-quoted fields may hold commas, quotes ("") and newlines.
#include <ostream>
#include <string>
#include <vector>

namespace llmap {

struct CsvTable {
    std::vector<std::vector<std::string>> rows;
    std::vector<size_t> lines;  // the 1-based line on which each row starts, for messages
};

// A gzip file is read transparently. Throws InputError naming the file (and line) when it cannot be read or a quote is not closed.
CsvTable readCsv(const std::string& path);

void writeCsvRow(std::ostream& out, const std::vector<std::string>& fields);

// Shortest text that reads back as the same double; "nan" for NaN.
std::string formatDouble(double value);

// Parses a whole cell as a finite or NaN double; false when the cell is not a number.
bool parseDouble(const std::string& cell, double& value);

}  // namespace llmap
