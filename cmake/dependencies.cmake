# Every dependency comes from a Debian package; scripts/install-deps.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(absl REQUIRED)
find_package(Protobuf REQUIRED)
find_package(zstd REQUIRED)
find_package(ZLIB REQUIRED)
find_package(doctest REQUIRED)
pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
find_library(SNAPPY_LIBRARY NAMES snappy REQUIRED)
find_path(SNAPPY_INCLUDE_DIR NAMES snappy.h REQUIRED)
find_path(ASIO_INCLUDE_DIR NAMES asio.hpp REQUIRED)

add_library(cairn_snappy INTERFACE)
target_link_libraries(cairn_snappy INTERFACE ${SNAPPY_LIBRARY})
target_include_directories(cairn_snappy SYSTEM INTERFACE ${SNAPPY_INCLUDE_DIR})

# Standalone Asio is header-only; only io/ may link this target (DESIGN.md §1).
add_library(cairn_asio INTERFACE)
target_include_directories(cairn_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(cairn_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(cairn_asio INTERFACE Threads::Threads)
