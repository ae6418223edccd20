# What `cmake --install` lays out under the prefix:
#   bin/llmap, bin/llmap-cli                    RUNPATH $ORIGIN/../lib/llmap, so the tree can move
#   lib/llmap/libqwt.so.<soname version>        Qwt, when it was built from source (not a system Qwt)
#   share/llmap/{texts,demo,models,example}     the bundled data (found relative to bin/)
#   share/applications, share/metainfo, share/mime/packages, share/icons/hicolor
#                                               the desktop entry, AppStream data, the project MIME type, icons
#   share/man/man1/llmap.1.gz, llmap-cli.1.gz   from --help, when help2man is installed
#   share/doc/llmap/                            copyright, Qwt's licence
include(GNUInstallDirs)

set(LLMAP_APP_ID io.github.llmap.LLMap)
# The date of the release PROJECT_VERSION names (AppStream needs one); change both together.
set(LLMAP_RELEASE_DATE 2026-11-26)
set(LLMAP_INSTALL_DATADIR "${CMAKE_INSTALL_DATADIR}/llmap")
set(LLMAP_INSTALL_PRIVATE_LIBDIR "${CMAKE_INSTALL_LIBDIR}/llmap")
set(LLMAP_INSTALL_DOCDIR "${CMAKE_INSTALL_DATADIR}/doc/llmap")
set(res "${PROJECT_SOURCE_DIR}/resources")

# A build on pip's torch finds libtorch where the wheel lies (the folder packaging/setup.sh made).
if(LLMAP_TORCH STREQUAL "pip")
  set_target_properties(llmap-cli PROPERTIES INSTALL_RPATH "${LLMAP_TORCH_RPATH}")
endif()
install(TARGETS llmap-cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

if(TARGET llmap)
  file(RELATIVE_PATH lib_from_bin "${CMAKE_INSTALL_FULL_BINDIR}"
       "${CMAKE_INSTALL_FULL_LIBDIR}/llmap")
  set(llmap_rpath "$ORIGIN/${lib_from_bin}")
  if(LLMAP_TORCH STREQUAL "pip")
    list(APPEND llmap_rpath "${LLMAP_TORCH_RPATH}")
  endif()
  set_target_properties(llmap PROPERTIES INSTALL_RPATH "${llmap_rpath}")
  install(TARGETS llmap RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

  # A Qwt from the system is a dependency of the package; one built from source travels with it,
  # under its SONAME, in LLMap's private library folder (not on the system's search path).
  get_filename_component(qwt_file "${QWT_LIBRARY}" REALPATH)
  if(NOT qwt_file MATCHES "^/usr/lib/")
    execute_process(COMMAND "${CMAKE_OBJDUMP}" -p "${qwt_file}" OUTPUT_VARIABLE qwt_headers
                    RESULT_VARIABLE qwt_objdump_result)
    string(REGEX MATCH "SONAME +([^\n ]+)" qwt_soname_line "${qwt_headers}")
    if(NOT qwt_objdump_result EQUAL 0 OR NOT CMAKE_MATCH_1)
      message(FATAL_ERROR "cannot read the SONAME of ${qwt_file} with ${CMAKE_OBJDUMP}: "
                          "install binutils, or point QWT_ROOT at a shared Qwt library")
    endif()
    install(FILES "${qwt_file}" DESTINATION "${LLMAP_INSTALL_PRIVATE_LIBDIR}" RENAME "${CMAKE_MATCH_1}"
            PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
    install(FILES "${PROJECT_SOURCE_DIR}/packaging/third_party/qwt-6.3.0-COPYING"
            DESTINATION "${LLMAP_INSTALL_DOCDIR}/qwt" RENAME COPYING)
  endif()
endif()

# Bundled data (the text corpora stay in the source: they are needed only to rebuild the sets).
install(FILES "${res}/texts/default.jsonl.gz" "${res}/texts/quick.jsonl.gz" "${res}/texts/LICENSES.md"
        DESTINATION "${LLMAP_INSTALL_DATADIR}/texts")
install(DIRECTORY "${res}/texts/licenses" DESTINATION "${LLMAP_INSTALL_DATADIR}/texts")
install(FILES "${res}/demo/demo.h5" "${res}/demo/README.md" DESTINATION "${LLMAP_INSTALL_DATADIR}/demo")
install(DIRECTORY "${res}/models/" DESTINATION "${LLMAP_INSTALL_DATADIR}/models")
install(FILES "${LLMAP_EXAMPLE_PROJECT}" DESTINATION "${LLMAP_INSTALL_DATADIR}/example"
        RENAME example.llmap.h5)
install(FILES "${res}/example/SOURCES.md" DESTINATION "${LLMAP_INSTALL_DATADIR}/example")
install(FILES "${PROJECT_SOURCE_DIR}/packaging/debian/copyright" DESTINATION "${LLMAP_INSTALL_DOCDIR}")

# Desktop integration.
if(TARGET llmap)
  install(FILES "${res}/desktop/${LLMAP_APP_ID}.desktop"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
  configure_file("${res}/desktop/${LLMAP_APP_ID}.metainfo.xml.in"
                 "${PROJECT_BINARY_DIR}/desktop/${LLMAP_APP_ID}.metainfo.xml" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/desktop/${LLMAP_APP_ID}.metainfo.xml"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
  install(FILES "${res}/desktop/${LLMAP_APP_ID}.mime.xml"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/mime/packages" RENAME "${LLMAP_APP_ID}.xml")
  install(FILES "${res}/icons/llmap.svg" DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps"
          RENAME "${LLMAP_APP_ID}.svg")
  foreach(size 16 22 24 32 48 64 128 256 512)
    install(FILES "${res}/icons/png/${size}.png"
            DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps"
            RENAME "${LLMAP_APP_ID}.png")
  endforeach()
endif()

include(LLMapManPages)
