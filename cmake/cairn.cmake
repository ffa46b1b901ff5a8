# Helpers shared by every folder's CMakeLists.txt.
include(doctest)

set(CAIRN_WARNINGS -Wall -Wextra -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND CAIRN_WARNINGS -Wshadow=local)  # GCC only; clang spells it differently
endif()
if(CAIRN_WERROR)
  list(APPEND CAIRN_WARNINGS -Werror)
endif()

if(CAIRN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# cairn_library(NAME DIR [DEPS ...]): a static library from every *.cc in DIR
# that is not a *_test.cc, plus a doctest binary NAME_tests from the *_test.cc
# files, registered with CTest one test case at a time.
function(cairn_library name)
  cmake_parse_arguments(ARG "" "DIR" "DEPS;TEST_DEPS" ${ARGN})
  if(NOT ARG_DIR)
    set(ARG_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  file(GLOB srcs CONFIGURE_DEPENDS ${ARG_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${ARG_DIR}/*_test.cc)
  list(FILTER srcs EXCLUDE REGEX "_test\\.cc$")
  list(FILTER srcs EXCLUDE REGEX "_fuzz\\.cc$")
  if(NOT srcs)
    message(STATUS "cairn_${name}: no sources yet")
    return()
  endif()
  add_library(cairn_${name} STATIC ${srcs})
  target_include_directories(cairn_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(cairn_${name} PRIVATE ${CAIRN_WARNINGS})
  target_link_libraries(cairn_${name} PUBLIC ${ARG_DEPS})
  if(CAIRN_BUILD_TESTS AND tests)
    add_executable(${name}_tests ${tests} ${PROJECT_SOURCE_DIR}/common/testing/doctest_main.cc)
    target_compile_options(${name}_tests PRIVATE ${CAIRN_WARNINGS})
    target_link_libraries(${name}_tests PRIVATE cairn_${name} ${ARG_TEST_DEPS} doctest::doctest)
    doctest_discover_tests(${name}_tests ADD_LABELS 1 PROPERTIES TIMEOUT 300)
  endif()
endfunction()
