# Run by cpack in a build on pip's torch: dpkg-shlibdeps could name no package for libtorch.
message(FATAL_ERROR "this build uses pip's torch, which no Debian package provides: make the .deb "
                    "from the debian preset (Debian's libtorch): cmake --preset debian && "
                    "cmake --build --preset debian && cd build/debian && cpack")
