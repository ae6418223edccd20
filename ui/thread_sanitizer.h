#pragma once
// What the window's threads tell ThreadSanitizer, in a build with it; nothing in other builds.
#if defined(__SANITIZE_THREAD__)
#define LLMAP_UI_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LLMAP_UI_TSAN 1
#endif
#endif
#ifdef LLMAP_UI_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace llmap::ui {

// ThreadSanitizer's and AddressSanitizer's runtimes (GCC 12, clang 14) do not lock their
// allocators around fork(): a copy made while another thread allocates waits forever.
#if defined(LLMAP_UI_TSAN) || defined(__SANITIZE_ADDRESS__)
constexpr bool kForkUnsafeRuntime = true;
#elif defined(__has_feature)
constexpr bool kForkUnsafeRuntime = __has_feature(address_sanitizer);
#else
constexpr bool kForkUnsafeRuntime = false;
#endif

// Everything this thread wrote before handOver(x) is visible to the thread that calls takeOver(x)
// after it: for hand-overs made through a library ThreadSanitizer cannot see into.
inline void handOver([[maybe_unused]] const void* token) {
#ifdef LLMAP_UI_TSAN
    __tsan_release(const_cast<void*>(token));
#endif
}
inline void takeOver([[maybe_unused]] const void* token) {
#ifdef LLMAP_UI_TSAN
    __tsan_acquire(const_cast<void*>(token));
#endif
}

}  // namespace llmap::ui
