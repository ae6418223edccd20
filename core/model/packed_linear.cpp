#include "model/packed_linear.h"

#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "model/cpu_features.h"

namespace llmap::packed {

namespace {

// Called boxed, by name: the operators are registered by libtorch itself and have no C++ entry in
// its API; a libtorch without them (Debian's 1.13) leaves the products to at::linear.
const c10::optional<c10::OperatorHandle>& reorderOp() {
    static const auto handle =
        c10::Dispatcher::singleton().findSchema({"mkldnn::_reorder_linear_weight", ""});
    return handle;
}

const c10::optional<c10::OperatorHandle>& linearOp() {
    static const auto handle =
        c10::Dispatcher::singleton().findSchema({"mkldnn::_linear_pointwise", ""});
    return handle;
}

// A product of a few rows with a weight of a few dozen channels, packed and dense, which must
// agree as two fp32 (or two bf16) products do.
bool probe(at::ScalarType dtype) {
    if (!reorderOp() || !linearOp()) return false;
    try {
        const auto options = at::TensorOptions().dtype(at::kFloat);
        const at::Tensor w = at::linspace(-1.0, 1.0, 24 * 40, options).view({24, 40}).to(dtype);
        const at::Tensor b = at::linspace(-0.5, 0.5, 24, options).to(dtype);
        const at::Tensor x = at::linspace(-2.0, 3.0, 5 * 40, options).view({5, 40}).to(dtype);
        const at::Tensor got = linear(x, pack(w, 5), b).to(at::kFloat);
        const at::Tensor want = at::linear(x, w, b).to(at::kFloat);
        const double tolerance = dtype == at::kFloat ? 1e-5 : 2e-2;
        return got.sizes() == want.sizes() &&
               (got - want).abs().max().item<double>() <=
                   tolerance * (1.0 + want.abs().max().item<double>());
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

bool available(at::ScalarType dtype) {
    if (dtype != at::kFloat && dtype != at::kBFloat16) return false;
    static std::mutex mutex;
    static std::map<at::ScalarType, bool> known;
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = known.find(dtype);
    if (it != known.end()) return it->second;
    return known[dtype] = probe(dtype);
}

bool preferred(at::ScalarType dtype) {
    if (!available(dtype)) return false;
    const char* choice = std::getenv("LLMAP_CPU_GEMM");
    if (choice && std::strcmp(choice, "torch") == 0) return false;
    if (choice && std::strcmp(choice, "packed") == 0) return true;
    return dtype != at::kFloat || !(at::hasMKL() && cpu::intel());
}

at::Tensor pack(const at::Tensor& weight, int64_t rows) {
    std::vector<c10::IValue> stack{weight.contiguous(), c10::IValue(rows)};
    reorderOp()->callBoxed(&stack);
    return stack.at(0).toTensor();
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& packedWeight, const at::Tensor& bias) {
    std::vector<c10::IValue> stack{x,
                                   packedWeight,
                                   bias.defined() ? c10::IValue(bias) : c10::IValue(),
                                   c10::IValue(std::string("none")),
                                   c10::IValue(c10::List<c10::optional<at::Scalar>>()),
                                   c10::IValue()};
    linearOp()->callBoxed(&stack);
    return stack.at(0).toTensor();
}

}  // namespace llmap::packed
