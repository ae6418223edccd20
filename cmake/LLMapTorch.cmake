# Finds libtorch and defines the interface target llmap::torch.
#   LLMAP_TORCH=pip (default): the `torch` wheel that packaging/setup.sh installs into
#     $LLMAP_CACHE/torch-<version> (default ~/.cache/llmap), or the torch package folder named by
#     LLMAP_TORCH_DIR (…/site-packages/torch, any torch >= 2). The wheel is CUDA-capable: its CUDA
#     libraries are linked as they are, so the same binary scores on an NVIDIA GPU when the machine
#     has one, and no CUDA toolkit is needed to build.
#   LLMAP_TORCH=system: whatever find_package(Torch) finds (Debian's libtorch-dev 1.13, CPU only):
#     the .deb and the clang (asan/fuzz) builds.
set(LLMAP_TORCH "pip" CACHE STRING "Which libtorch: pip (the wheel set up by packaging/setup.sh) or system")
set_property(CACHE LLMAP_TORCH PROPERTY STRINGS pip system)
set(LLMAP_TORCH_PIP_VERSION 2.15.0)  # keep in step with packaging/setup.sh

add_library(llmap_torch INTERFACE)
add_library(llmap::torch ALIAS llmap_torch)

if(LLMAP_TORCH STREQUAL "system")
  find_package(Torch REQUIRED)
  target_include_directories(llmap_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  target_link_libraries(llmap_torch INTERFACE ${TORCH_LIBRARIES})
  target_compile_options(llmap_torch INTERFACE ${TORCH_CXX_FLAGS})
  set(LLMAP_TORCH_VERSION "${Torch_VERSION}")
  set(LLMAP_TORCH_HAS_CUDA OFF)
  message(STATUS "libtorch: the system's (${Torch_VERSION}) in ${Torch_DIR}")
  return()
elseif(NOT LLMAP_TORCH STREQUAL "pip")
  message(FATAL_ERROR "LLMAP_TORCH is \"${LLMAP_TORCH}\": use pip or system")
endif()

if(DEFINED ENV{LLMAP_CACHE})
  set(_llmap_cache "$ENV{LLMAP_CACHE}")
else()
  set(_llmap_cache "$ENV{HOME}/.cache/llmap")
endif()
if(NOT LLMAP_TORCH_DIR)
  file(GLOB _llmap_torch_candidates
       "${_llmap_cache}/torch-${LLMAP_TORCH_PIP_VERSION}/lib/python3*/site-packages/torch")
  list(SORT _llmap_torch_candidates)
  list(POP_BACK _llmap_torch_candidates _llmap_torch_found)
  set(LLMAP_TORCH_DIR "${_llmap_torch_found}" CACHE PATH
      "The torch package folder (…/site-packages/torch) of a torch >= 2 wheel" FORCE)
endif()
set(_llmap_torch_fix "run packaging/setup.sh (it installs torch ${LLMAP_TORCH_PIP_VERSION} into \
${_llmap_cache}/torch-${LLMAP_TORCH_PIP_VERSION}), or pass -DLLMAP_TORCH_DIR=<…/site-packages/torch> \
for another torch >= 2, or -DLLMAP_TORCH=system for Debian's libtorch-dev")
# torch >= 2.9 keeps the version macros in headeronly/version.h, older ones in the C++ API's.
set(_llmap_torch_version_h "${LLMAP_TORCH_DIR}/include/torch/headeronly/version.h")
if(NOT EXISTS "${_llmap_torch_version_h}")
  set(_llmap_torch_version_h "${LLMAP_TORCH_DIR}/include/torch/csrc/api/include/torch/version.h")
endif()
if(NOT LLMAP_TORCH_DIR OR NOT EXISTS "${_llmap_torch_version_h}")
  unset(LLMAP_TORCH_DIR CACHE)
  message(FATAL_ERROR "no torch wheel found in ${_llmap_cache}/torch-${LLMAP_TORCH_PIP_VERSION}: ${_llmap_torch_fix}")
endif()

set(LLMAP_TORCH_VERSION "")
foreach(part MAJOR MINOR PATCH)
  file(STRINGS "${_llmap_torch_version_h}" _llmap_line REGEX "define TORCH_VERSION_${part} ")
  string(REGEX REPLACE ".*TORCH_VERSION_${part} +([0-9]+).*" "\\1" _llmap_number "${_llmap_line}")
  string(APPEND LLMAP_TORCH_VERSION "${_llmap_number}.")
endforeach()
string(REGEX REPLACE "\\.$" "" LLMAP_TORCH_VERSION "${LLMAP_TORCH_VERSION}")
if(LLMAP_TORCH_VERSION VERSION_LESS 2)
  message(FATAL_ERROR "${LLMAP_TORCH_DIR} holds torch ${LLMAP_TORCH_VERSION}; LLMap needs torch >= 2: ${_llmap_torch_fix}")
endif()

set(_llmap_torch_lib "${LLMAP_TORCH_DIR}/lib")
foreach(name torch torch_cpu c10)
  if(NOT EXISTS "${_llmap_torch_lib}/lib${name}.so")
    message(FATAL_ERROR "${_llmap_torch_lib}/lib${name}.so is missing (a damaged torch install): ${_llmap_torch_fix}")
  endif()
endforeach()
target_include_directories(llmap_torch SYSTEM INTERFACE
  "${LLMAP_TORCH_DIR}/include" "${LLMAP_TORCH_DIR}/include/torch/csrc/api/include")
# torch >= 2.10's headers need C++20 (the rest of LLMap is C++17 and compiles as either). GCC 12
# then reports std::string's own copies as overlapping at -O3 (GCC PR 105329): a false alarm.
target_compile_features(llmap_torch INTERFACE cxx_std_20)
target_compile_options(llmap_torch INTERFACE
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
# pip's wheels are built with the C++11 ABI since torch 2.7, as GCC's default is.
target_compile_definitions(llmap_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
target_link_libraries(llmap_torch INTERFACE
  "${_llmap_torch_lib}/libtorch.so" "${_llmap_torch_lib}/libtorch_cpu.so" "${_llmap_torch_lib}/libc10.so")
set(LLMAP_TORCH_HAS_CUDA OFF)
if(EXISTS "${_llmap_torch_lib}/libtorch_cuda.so")
  # Nothing in LLMap calls into libtorch_cuda directly: without --no-as-needed the linker would
  # drop it and libtorch would find no CUDA backend at run time.
  set(LLMAP_TORCH_HAS_CUDA ON)
  target_link_libraries(llmap_torch INTERFACE
    "-Wl,--no-as-needed,${_llmap_torch_lib}/libtorch_cuda.so,${_llmap_torch_lib}/libc10_cuda.so,--as-needed")
  # The CUDA libraries come with the wheel (site-packages/nvidia/*/lib), found at run time through
  # libtorch's own RPATH; the linker needs to be told where they are.
  file(GLOB _llmap_nvidia_libs LIST_DIRECTORIES true "${LLMAP_TORCH_DIR}/../nvidia/*/lib")
  # (As a link item, not a link option, so that it reaches programs that link torch through a
  # static library's private dependency.)
  foreach(dir ${_llmap_nvidia_libs})
    target_link_libraries(llmap_torch INTERFACE "-Wl,-rpath-link,${dir}")
  endforeach()
endif()
# The programs find libtorch where the wheel lies, installed or not.
set(LLMAP_TORCH_RPATH "${_llmap_torch_lib}")
message(STATUS "libtorch: pip's torch ${LLMAP_TORCH_VERSION} in ${LLMAP_TORCH_DIR} (CUDA libraries: ${LLMAP_TORCH_HAS_CUDA})")
