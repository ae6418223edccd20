# Finds Qwt built for Qt 6 (Qwt ships no CMake package, and its pkg-config file is wrong for Qt 6).
# Search order: QWT_ROOT (CMake or environment), the cache of packaging/setup.sh, the system.
# Defines the imported target Qwt::Qwt.
set(_qwt_hints ${QWT_ROOT} $ENV{QWT_ROOT})
if(DEFINED ENV{LLMAP_CACHE})
  list(APPEND _qwt_hints "$ENV{LLMAP_CACHE}/qwt-6.3.0-qt6")
endif()
if(DEFINED ENV{HOME})
  list(APPEND _qwt_hints "$ENV{HOME}/.cache/llmap/qwt-6.3.0-qt6")
endif()

find_path(QWT_INCLUDE_DIR NAMES qwt_global.h
  HINTS ${_qwt_hints} PATH_SUFFIXES include qwt6-qt6 include/qwt6-qt6 include/qwt)
find_library(QWT_LIBRARY NAMES qwt qwt-qt6 HINTS ${_qwt_hints} PATH_SUFFIXES lib)

if(QWT_INCLUDE_DIR)
  file(STRINGS "${QWT_INCLUDE_DIR}/qwt_global.h" _qwt_version_line REGEX "define[ \t]+QWT_VERSION_STR")
  string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" Qwt_VERSION "${_qwt_version_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Qwt REQUIRED_VARS QWT_LIBRARY QWT_INCLUDE_DIR VERSION_VAR Qwt_VERSION
  REASON_FAILURE_MESSAGE "run packaging/setup.sh, or point QWT_ROOT at a Qwt >= 6.2 built for Qt 6")

if(Qwt_FOUND AND NOT TARGET Qwt::Qwt)
  add_library(Qwt::Qwt SHARED IMPORTED)
  set_target_properties(Qwt::Qwt PROPERTIES
    IMPORTED_LOCATION "${QWT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${QWT_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS QWT_DLL
    INTERFACE_LINK_LIBRARIES "Qt6::Widgets;Qt6::Svg;Qt6::PrintSupport;Qt6::Concurrent;Qt6::OpenGLWidgets")
endif()
mark_as_advanced(QWT_INCLUDE_DIR QWT_LIBRARY)
