# Man pages for llmap-cli and llmap, made from their --help and --version output by help2man
# (Debian package help2man), so they never drift from the programs. Without help2man the build
# goes on without man pages and says so.
find_program(HELP2MAN_PROGRAM help2man)
find_program(GZIP_PROGRAM gzip)
if(NOT HELP2MAN_PROGRAM OR NOT GZIP_PROGRAM)
  message(STATUS "help2man or gzip not found: no man pages (install help2man to get them)")
  return()
endif()

set(man_dir "${PROJECT_BINARY_DIR}/man")
set(man_pages "${man_dir}/llmap-cli.1.gz")
add_custom_command(
  OUTPUT "${man_pages}"
  COMMAND "${CMAKE_COMMAND}" -DCLI=$<TARGET_FILE:llmap-cli> -DOUT=${man_dir}/llmap-cli.h2m
          -P "${PROJECT_SOURCE_DIR}/cmake/llmap_cli_man_commands.cmake"
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C.UTF-8
          "${HELP2MAN_PROGRAM}" --no-info --locale C.UTF-8 --section 1 --source "LLMap ${PROJECT_VERSION}"
          --name "maps of language models from log-likelihood vectors (command line)"
          --include "${man_dir}/llmap-cli.h2m" --output "${man_dir}/llmap-cli.1" $<TARGET_FILE:llmap-cli>
  COMMAND "${GZIP_PROGRAM}" -9nf "${man_dir}/llmap-cli.1"
  DEPENDS llmap-cli "${PROJECT_SOURCE_DIR}/cmake/llmap_cli_man_commands.cmake"
  COMMENT "Writing the man page of llmap-cli"
  VERBATIM)
if(TARGET llmap)
  list(APPEND man_pages "${man_dir}/llmap.1.gz")
  add_custom_command(
    OUTPUT "${man_dir}/llmap.1.gz"
    COMMAND "${CMAKE_COMMAND}" -E env QT_QPA_PLATFORM=offscreen LC_ALL=C.UTF-8
            "${HELP2MAN_PROGRAM}" --no-info --locale C.UTF-8 --section 1 --source "LLMap ${PROJECT_VERSION}"
            --version-string "llmap ${PROJECT_VERSION}"
            --name "maps of language models from log-likelihood vectors"
            --include "${PROJECT_SOURCE_DIR}/resources/desktop/llmap.h2m"
            --output "${man_dir}/llmap.1" $<TARGET_FILE:llmap>
    COMMAND "${GZIP_PROGRAM}" -9nf "${man_dir}/llmap.1"
    DEPENDS llmap "${PROJECT_SOURCE_DIR}/resources/desktop/llmap.h2m"
    COMMENT "Writing the man page of llmap"
    VERBATIM)
endif()
add_custom_target(man_pages ALL DEPENDS ${man_pages})
install(FILES ${man_pages} DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
