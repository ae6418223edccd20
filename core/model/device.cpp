#include "model/device.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/version.h>
// libtorch's device-neutral memory queries, as the pinned torch (2.15) has them.
#define LLMAP_ACCELERATOR_MEMORY \
    (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 15))
#if LLMAP_ACCELERATOR_MEMORY
#include <ATen/DeviceAccelerator.h>
#endif
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include "util/error.h"

namespace llmap {

namespace {

// What libtorch found when it first looked for GPUs, with the warning it gave (a missing or too
// old NVIDIA driver is only reported as a warning).
struct CudaState {
    bool built = false;  // libtorch has its CUDA backend (pip's wheel; not Debian's libtorch)
    int gpus = 0;
    bool driver = false;  // the NVIDIA driver's libcuda.so.1 can be loaded
    int error = 0;        // what the CUDA runtime said when asked for its devices (0 = success)
    std::string errorText, warning;
    std::string runtime;  // "13.2"
};

#if TORCH_VERSION_MAJOR >= 2
class WarningCollector : public c10::WarningHandler {
public:
    void process(const c10::Warning& w) override { text += (text.empty() ? "" : "; ") + w.msg(); }
    std::string text;
};
#else
class WarningCollector : public c10::WarningHandler {
public:
    void process(const c10::SourceLocation&, const std::string& msg, bool) override {
        text += (text.empty() ? "" : "; ") + msg;
    }
    std::string text;
};
#endif

template <typename F>
F cudaFunction(const char* name) {
    // libtorch's CUDA backend has loaded the CUDA runtime; asking it directly needs no CUDA
    // headers.
    return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

const CudaState& cudaState() {
    static const CudaState state = [] {
        CudaState s;
        s.built = at::globalContext().hasCUDART();
        if (!s.built) return s;
        WarningCollector collector;
        {
#if TORCH_VERSION_MAJOR >= 2
            c10::WarningUtils::WarningHandlerGuard guard(&collector);
#else
            c10::Warning::WarningHandlerGuard guard(&collector);
#endif
            s.gpus = at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().getNumGPUs()) : 0;
        }
        s.warning = collector.text;
        const long v = at::detail::getCUDAHooks().versionCUDART();  // e.g. 13020
        if (v > 0) s.runtime = std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
        s.driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD) != nullptr ||
                   dlopen("libcuda.so.1", RTLD_LAZY) != nullptr;
        using GetCount = int (*)(int*);
        using ErrorString = const char* (*)(int);
        if (const auto count = cudaFunction<GetCount>("cudaGetDeviceCount")) {
            int n = 0;
            s.error = count(&n);
            const auto text = cudaFunction<ErrorString>("cudaGetErrorString");
            if (s.error != 0 && text && text(s.error)) s.errorText = text(s.error);
        }
        return s;
    }();
    return state;
}

std::string gpuName(int index) {
    using GetProperties = int (*)(void*, int);
    auto get = cudaFunction<GetProperties>("cudaGetDeviceProperties_v2");
    if (!get) get = cudaFunction<GetProperties>("cudaGetDeviceProperties");
    if (!get) return "";
    // cudaDeviceProp begins with char name[256] in every CUDA release; the buffer is far larger
    // than the whole structure.
    std::vector<char> props(64 * 1024, 0);
    if (get(props.data(), index) != 0) return "";
    return std::string(props.data(), strnlen(props.data(), 256));
}

// cudaErrorInsufficientDriver: a driver older than the CUDA runtime libtorch came with.
constexpr int kCudaErrorInsufficientDriver = 35;

std::string cudaName(const CudaState& s) {
    return "CUDA " + (s.runtime.empty() ? std::string("runtime") : s.runtime);
}

// Why no GPU can be used, and what to do about it, for a libtorch with CUDA.
std::pair<std::string, std::string> whyNoGpu(const CudaState& s) {
    if (!s.driver) {
        return {"no NVIDIA driver is installed (libcuda.so.1 was not found)",
                "install the NVIDIA driver (nvidia-smi must list the GPU), or use --device cpu"};
    }
    if (s.error == kCudaErrorInsufficientDriver) {
        return {"the NVIDIA driver is too old for the " + cudaName(s) +
                    " libraries of this build (" + s.errorText + ")",
                "update the NVIDIA driver to one for " + cudaName(s) +
                    " or later (nvidia-smi shows the CUDA version a driver supports), or use "
                    "--device cpu"};
    }
    std::string why = "no GPU is visible";
    if (s.error != 0 && !s.errorText.empty()) why += " (" + s.errorText + ")";
    if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
        why += std::string("; CUDA_VISIBLE_DEVICES=\"") + visible + "\"";
    }
    if (!s.warning.empty()) why += "; libtorch: " + s.warning;
    return {why, "check the GPU with nvidia-smi and CUDA_VISIBLE_DEVICES, or use --device cpu"};
}

}  // namespace

int gpuIndex(const std::string& device) {
    if (device.rfind("cuda", 0) != 0) return -1;
    if (device.size() <= 5) return 0;
    return std::atoi(device.c_str() + 5);
}

std::string formatGiB(int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1 << 30));
    return text;
}

std::optional<GpuMemory> gpuMemory(int index) {
    if (index < 0 || !cudaState().built || index >= cudaState().gpus) return std::nullopt;
#if LLMAP_ACCELERATOR_MEMORY
    // libtorch's own query visits the GPU under its device guard, which leaves GPU 0 untouched
    // on the way back (cudaSetDevice(0) would set it up on this thread). Memory that libtorch's
    // allocator holds unused, such as a model scored earlier in this process, counts as free: the
    // allocator hands it out again before asking CUDA for more.
    try {
        at::globalContext().lazyInitDevice(at::kCUDA);
        const auto device = static_cast<c10::DeviceIndex>(index);
        const auto [freeBytes, totalBytes] = at::accelerator::getMemoryInfo(device);
        const auto stats = at::accelerator::getDeviceStats(device);
        const auto all = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
        const int64_t heldUnused =
            stats.reserved_bytes[all].current - stats.allocated_bytes[all].current;
        return GpuMemory{static_cast<int64_t>(freeBytes) + std::max<int64_t>(0, heldUnused),
                         static_cast<int64_t>(totalBytes)};
    } catch (const c10::Error&) {
        return std::nullopt;
    }
#else
    using GetDevice = int (*)(int*);
    using SetDevice = int (*)(int);
    using MemGetInfo = int (*)(size_t*, size_t*);
    const auto getDevice = cudaFunction<GetDevice>("cudaGetDevice");
    const auto setDevice = cudaFunction<SetDevice>("cudaSetDevice");
    const auto memGetInfo = cudaFunction<MemGetInfo>("cudaMemGetInfo");
    if (!getDevice || !setDevice || !memGetInfo) return std::nullopt;
    int previous = 0;
    if (getDevice(&previous) != 0 || setDevice(index) != 0) return std::nullopt;
    size_t freeBytes = 0, totalBytes = 0;
    const int rc = memGetInfo(&freeBytes, &totalBytes);
    setDevice(previous);
    if (rc != 0) return std::nullopt;
    return GpuMemory{static_cast<int64_t>(freeBytes), static_cast<int64_t>(totalBytes)};
#endif
}

std::string resolveDevice(const std::string& asked) {
    if (asked == "cpu") return "cpu";
    const CudaState& s = cudaState();
    if (asked == "auto") return s.gpus > 0 ? "cuda:0" : "cpu";
    const std::string what = "device \"" + asked + "\" asked for, but ";
    if (!s.built) {
        throw InputError(
            what + "this LLMap's libtorch has no CUDA (libtorch " + TORCH_VERSION + ")", "--device",
            "use --device cpu, or build LLMap on pip's CUDA-capable torch "
            "(packaging/build.sh release)");
    }
    if (s.gpus == 0) {
        const auto [why, fix] = whyNoGpu(s);
        throw InputError(what + why, "--device", fix);
    }
    const int index = gpuIndex(asked);
    if (index >= s.gpus) {
        throw InputError(what + "only " + std::to_string(s.gpus) + " GPU" +
                             (s.gpus == 1 ? " is" : "s are") + " visible",
                         "--device",
                         "use cuda:0 to cuda:" + std::to_string(s.gpus - 1) + ", or --device cpu");
    }
    return "cuda:" + std::to_string(index);
}

std::vector<std::string> resolveDevices(const std::string& asked) {
    static const std::regex one("auto|cpu|cuda(:[0-9]+)?");
    if (asked == "all") {
        const int gpus = cudaState().gpus;
        if (gpus == 0) return {resolveDevice("auto")};
        std::vector<std::string> all;
        for (int i = 0; i < gpus; ++i) all.push_back("cuda:" + std::to_string(i));
        return all;
    }
    std::vector<std::string> names, devices;
    std::stringstream list(asked);
    for (std::string name; std::getline(list, name, ',');) {
        if (!std::regex_match(name, one)) {
            throw InputError("device \"" + name + "\" is not known", "--device",
                             "use auto, cpu, cuda, cuda:N, a list such as cuda:0,cuda:1, or all");
        }
        names.push_back(name);
    }
    for (const std::string& name : names) {
        const std::string device = resolveDevice(name);
        if (std::find(devices.begin(), devices.end(), device) != devices.end()) {
            throw InputError("device " + device + " is named twice in \"" + asked + "\"",
                             "--device", "name each GPU once");
        }
        devices.push_back(device);
    }
    if (devices.empty()) {
        throw InputError("no device given", "--device", "use auto, cpu, cuda:N or all");
    }
    const bool cpu = std::find(devices.begin(), devices.end(), "cpu") != devices.end();
    if (cpu && devices.size() > 1) {
        throw InputError("\"" + asked + "\" mixes the CPU with GPUs", "--device",
                         "score on GPUs (e.g. cuda:0,cuda:1) or on the CPU, not both");
    }
    return devices;
}

std::string describeDevice(const std::string& asked, const std::string& resolved) {
    const CudaState& s = cudaState();
    if (resolved == "cpu") {
        if (asked != "auto") return "cpu";
        if (!s.built) return "cpu (this libtorch has no CUDA)";
        return "cpu (no GPU found: " + whyNoGpu(s).first + ")";
    }
    const int index = gpuIndex(resolved);
    std::string line = resolved;
    const std::string name = gpuName(index);
    const std::optional<GpuMemory> memory = gpuMemory(index);
    std::string detail = name;
    if (memory) {
        detail += (detail.empty() ? "" : ", ") + formatGiB(memory->freeBytes) + " of " +
                  formatGiB(memory->totalBytes) + " free";
    }
    if (!detail.empty()) line += " (" + detail + ")";
    return line;
}

}  // namespace llmap
