#pragma once
// The parts of a SentencePiece tokenizer.model (a serialized sentencepiece.ModelProto) that
// encoding needs, read straight from the protobuf wire format: no protobuf library, so nothing can
// clash with the one libtorch loads.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmap {

struct SentencePieceModelProto {
    enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };
    enum ModelType { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };

    struct Piece {
        std::string text;
        float score = 0;
        int type = Normal;
    };
    std::vector<Piece> pieces;

    // trainer_spec
    int modelType = Unigram;
    bool byteFallback = false;
    int32_t unkId = 0, bosId = 1, eosId = 2, padId = -1;

    // normalizer_spec
    std::string normalizerName;
    std::string precompiledCharsmap;
    bool addDummyPrefix = true;
    bool removeExtraWhitespaces = true;
    bool escapeWhitespaces = true;
};

// Throws InputError naming `where` when the bytes are not a well-formed ModelProto.
SentencePieceModelProto parseSentencePieceModel(std::string_view bytes, const std::string& where);

}  // namespace llmap
