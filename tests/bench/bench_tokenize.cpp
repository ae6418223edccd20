// Encodes every text of a JSON-lines file ({"text": ...} per line) with one tokenizer on one
// thread; prints load and encode times and a digest of the ids (to check agreement with other
// implementations). Usage: bench_tokenize TOKENIZER TEXTS.jsonl [--special]
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>

#include "tokenize/tokenizer.h"
#include "util/error.h"

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: bench_tokenize TOKENIZER TEXTS.jsonl [--special]\n";
        return 2;
    }
    const bool special = argc > 3 && std::strcmp(argv[3], "--special") == 0;
    try {
        std::vector<std::string> texts;
        std::ifstream in(argv[2], std::ios::binary);
        std::string line;
        size_t bytes = 0;
        while (std::getline(in, line)) {
            texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
            bytes += texts.back().size();
        }
        using Clock = std::chrono::steady_clock;
        const auto t0 = Clock::now();
        const auto tok = llmap::loadTokenizer(argv[1]);
        const auto t1 = Clock::now();
        uint64_t count = 0, digest = 0;
        for (const auto& t : texts) {
            for (int32_t id : tok->encode(t, special)) {
                digest = digest * 1000003u + static_cast<uint32_t>(id);
                ++count;
            }
        }
        const auto t2 = Clock::now();
        const double load = std::chrono::duration<double>(t1 - t0).count();
        const double encode = std::chrono::duration<double>(t2 - t1).count();
        std::cout << nlohmann::json{{"tokenizer", tok->kind()},
                                    {"load_s", load},
                                    {"encode_s", encode},
                                    {"texts", texts.size()},
                                    {"bytes", bytes},
                                    {"ids", count},
                                    {"digest", std::to_string(digest)},
                                    {"texts_per_s", texts.size() / encode},
                                    {"mb_per_s", bytes / encode / 1e6}}
                         .dump()
                  << "\n";
    } catch (const llmap::Error& e) {
        std::cerr << e.message() << "\n";
        return 2;
    }
    return 0;
}
