#pragma once
// Where a model runs: the devices this libtorch can use, and what a user is told about them.
// Torch-free, so that the window can ask too.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmap {

struct GpuMemory {
    int64_t freeBytes = 0, totalBytes = 0;
};

// "cpu" or "cuda:N" for --device auto|cpu|cuda|cuda:N. auto picks cuda:0 when a GPU is visible.
// InputError naming the fix when CUDA is asked for and cannot be had: a libtorch without CUDA, no
// GPU visible, a driver too old for the CUDA libraries, an index beyond the visible GPUs.
std::string resolveDevice(const std::string& asked);

// The devices of --device: one, as resolveDevice gives it, or several GPUs: "cuda:0,cuda:1" or
// "all" (every visible GPU; the CPU when none is, as auto). InputError for an unknown name, a
// device named twice, a list that mixes the CPU with GPUs, or a GPU that cannot be had.
std::vector<std::string> resolveDevices(const std::string& asked);

// One line on the device chosen, e.g. "cuda:0 (NVIDIA H200, 139.7 of 139.8 GiB free)" or
// "cpu (no GPU found: CUDA 13.2 libraries, no NVIDIA driver)"; `asked` is what the user gave.
std::string describeDevice(const std::string& asked, const std::string& resolved);

// Free and total memory of GPU `index`, when the CUDA runtime can be asked (nullopt on the CPU).
std::optional<GpuMemory> gpuMemory(int index);

// The GPU index of "cuda:N" (0 for "cuda"); -1 for the CPU.
int gpuIndex(const std::string& device);

// "1.5 GiB"
std::string formatGiB(int64_t bytes);

}  // namespace llmap
