# Sanitizer and fuzzing builds (see CMakePresets.json: asan, tsan, fuzz).
#   LLMAP_SANITIZE=address  AddressSanitizer + UndefinedBehaviorSanitizer, stops at the first report
#   LLMAP_SANITIZE=thread   ThreadSanitizer
#   LLMAP_FUZZ=ON           libFuzzer targets in tests/fuzz (needs clang); implies ASan + UBSan
set(LLMAP_SANITIZE "" CACHE STRING "Sanitizers to build with: address (ASan + UBSan), thread (TSan) or empty")
set_property(CACHE LLMAP_SANITIZE PROPERTY STRINGS "" address thread)
option(LLMAP_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(LLMAP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LLMAP_FUZZ=ON needs clang (libFuzzer): use the fuzz preset "
                        "or -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14")
  endif()
  if(NOT LLMAP_SANITIZE)
    set(LLMAP_SANITIZE address)
  endif()
  # Every library gets coverage instrumentation; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(LLMAP_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(LLMAP_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(LLMAP_SANITIZE)
  message(FATAL_ERROR "LLMAP_SANITIZE must be address, thread or empty (got '${LLMAP_SANITIZE}')")
endif()

# Run-time options (suppression files in tests/sanitizers) are set by the test presets and by
# packaging/sanitizers.sh.
