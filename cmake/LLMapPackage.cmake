# `cpack` (in the build folder) makes llmap_<version>_<arch>.deb for Debian 12 from the install
# rules of LLMapInstall.cmake. Library dependencies are computed by dpkg-shlibdeps; only what
# the programs load at run time without linking it (Qt's platform plugins) is named here.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME llmap)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "The LLMap developers")
set(LLMAP_PACKAGE_MAINTAINER "The LLMap developers <llmap@invalid>" CACHE STRING
    "The Maintainer field of the .deb (name <e-mail>)")
set(CPACK_PACKAGE_CONTACT "${LLMAP_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "maps of language models from log-likelihood vectors")
# The long description (the first line of the Description field is the summary above).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "LLMap scores language models (Hugging Face folders: GPT-2, Pythia, Llama,
Mistral, Qwen) on one fixed set of texts, keeps the log-likelihoods in an
HDF5 project file and draws a map on which distances approximate the KL
divergence between models (Oyama et al., ACL 2025). It has a Qt desktop
application (llmap) and a headless command-line tool (llmap-cli), and ships a
default text set, a demo project and three tiny models.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps must find the bundled Qwt (the programs reach it through $ORIGIN).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "usr/${CMAKE_INSTALL_LIBDIR}/llmap")
if(TARGET llmap)
  # Loaded by Qt at run time, so no ELF file names them: the xcb/wayland platform plugins.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
endif()
# libtorch falls back to the slow reference BLAS without it (see docs/validation.md).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-openmp")
set(CPACK_STRIP_FILES ON)
# CPack adds postinst/postrm scripts that run ldconfig because libqwt lies below usr/lib; they are
# harmless (the library is private and found through the programs' RUNPATH).
set(CPACK_SOURCE_GENERATOR "")
if(NOT LLMAP_TORCH STREQUAL "system")
  set(CPACK_PRE_BUILD_SCRIPTS "${PROJECT_SOURCE_DIR}/cmake/LLMapDebRefusal.cmake")
endif()
include(CPack)
