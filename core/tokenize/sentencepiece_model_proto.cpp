#include "tokenize/sentencepiece_model_proto.h"

#include <cstring>

#include "util/error.h"

namespace llmap {

namespace {

// A cursor over protobuf wire-format bytes.
class WireReader {
public:
    WireReader(std::string_view bytes, const std::string& where) : data_(bytes), where_(where) {}

    bool done() const { return pos_ >= data_.size(); }

    uint64_t varint() {
        uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= data_.size()) fail("a number runs past the end");
            const auto byte = static_cast<unsigned char>(data_[pos_++]);
            value |= static_cast<uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) return value;
        }
        fail("a number is longer than 10 bytes");
    }

    std::string_view bytes() {
        const uint64_t n = varint();
        if (n > data_.size() - pos_) fail("a field runs past the end");
        std::string_view out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }

    float fixed32Float() {
        if (data_.size() - pos_ < 4) fail("a number runs past the end");
        uint32_t bits = 0;
        for (int i = 0; i < 4; ++i)
            bits |= static_cast<uint32_t>(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
        pos_ += 4;
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    }

    void skip(int wireType) {
        switch (wireType) {
            case 0:
                varint();
                break;
            case 1:
                advance(8);
                break;
            case 2:
                bytes();
                break;
            case 5:
                advance(4);
                break;
            default:
                fail("unknown wire type " + std::to_string(wireType));
        }
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw InputError("not a SentencePiece model: " + what, where_,
                         "download tokenizer.model again, or use the folder's tokenizer.json");
    }

private:
    void advance(size_t n) {
        if (data_.size() - pos_ < n) fail("a field runs past the end");
        pos_ += n;
    }

    std::string_view data_;
    size_t pos_ = 0;
    const std::string& where_;
};

// Calls `field(number, wireType, reader)` for every field of a message; the callback reads the
// field's value or skips it.
template <typename F>
void forEachField(std::string_view message, const std::string& where, F&& field) {
    WireReader r(message, where);
    while (!r.done()) {
        const uint64_t key = r.varint();
        const int number = static_cast<int>(key >> 3), wireType = static_cast<int>(key & 7);
        if (number == 0) r.fail("field number 0");
        field(number, wireType, r);
    }
}

void expectWireType(WireReader& r, int actual, int expected) {
    if (actual != expected) r.fail("a field has the wrong type");
}

}  // namespace

SentencePieceModelProto parseSentencePieceModel(std::string_view bytes, const std::string& where) {
    SentencePieceModelProto m;
    bool trainerSpec = false, normalizerSpec = false;
    forEachField(bytes, where, [&](int number, int wireType, WireReader& r) {
        if (number == 1) {  // repeated SentencePiece pieces
            expectWireType(r, wireType, 2);
            SentencePieceModelProto::Piece piece;
            forEachField(r.bytes(), where, [&](int n, int w, WireReader& pr) {
                if (n == 1) {
                    expectWireType(pr, w, 2);
                    piece.text = std::string(pr.bytes());
                } else if (n == 2) {
                    expectWireType(pr, w, 5);
                    piece.score = pr.fixed32Float();
                } else if (n == 3) {
                    expectWireType(pr, w, 0);
                    piece.type = static_cast<int>(pr.varint());
                } else {
                    pr.skip(w);
                }
            });
            m.pieces.push_back(std::move(piece));
        } else if (number == 2) {  // TrainerSpec
            expectWireType(r, wireType, 2);
            trainerSpec = true;
            forEachField(r.bytes(), where, [&](int n, int w, WireReader& tr) {
                auto integer = [&] {
                    expectWireType(tr, w, 0);
                    return static_cast<int32_t>(static_cast<int64_t>(tr.varint()));
                };
                if (n == 3)
                    m.modelType = integer();
                else if (n == 35)
                    m.byteFallback = integer() != 0;
                else if (n == 40)
                    m.unkId = integer();
                else if (n == 41)
                    m.bosId = integer();
                else if (n == 42)
                    m.eosId = integer();
                else if (n == 43)
                    m.padId = integer();
                else
                    tr.skip(w);
            });
        } else if (number == 3) {  // NormalizerSpec
            expectWireType(r, wireType, 2);
            normalizerSpec = true;
            forEachField(r.bytes(), where, [&](int n, int w, WireReader& nr) {
                if (n == 1) {
                    expectWireType(nr, w, 2);
                    m.normalizerName = std::string(nr.bytes());
                } else if (n == 2) {
                    expectWireType(nr, w, 2);
                    m.precompiledCharsmap = std::string(nr.bytes());
                } else if (n == 3 || n == 4 || n == 5) {
                    expectWireType(nr, w, 0);
                    const bool value = nr.varint() != 0;
                    (n == 3   ? m.addDummyPrefix
                     : n == 4 ? m.removeExtraWhitespaces
                              : m.escapeWhitespaces) = value;
                } else {
                    nr.skip(w);
                }
            });
        } else {
            r.skip(wireType);
        }
    });
    // The pieces come first in the file: a file cut short loses the specs that follow them.
    if (m.pieces.empty()) WireReader(bytes, where).fail("it has no pieces");
    if (!trainerSpec || !normalizerSpec) {
        WireReader(bytes, where)
            .fail("it has no trainer or normalizer settings (is it cut short?)");
    }
    return m;
}

}  // namespace llmap
