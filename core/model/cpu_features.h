#pragma once
// What the CPU offers, from cpuid, where a kernel or a product is chosen by it.

namespace llmap::cpu {

// The vendor is Intel: MKL, which runs libtorch's fp32 products on x86, takes its fastest paths
// on Intel's CPUs only.
bool intel();

// The CPU has AMX's bf16 tile products (AMX-BF16 and AMX-TILE), which oneDNN, and so libtorch's
// bf16 products and attention, use where present.
bool amxBf16();

}  // namespace llmap::cpu
