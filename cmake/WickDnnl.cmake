# oneDNN for float32 CPU convolutions (src/backend/cpu/dnnl_conv.cpp):
# WICK_DNNL = AUTO | ON | OFF.
#   AUTO: use it when oneapi/dnnl/dnnl.hpp and libdnnl (2.x) are found.
#   ON:   the same, but a missing or unusable oneDNN is a configure error.
#   OFF:  convolutions stay on im2col + GEMM.
# Sets WICK_HAS_DNNL, WICK_DNNL_LIBRARY and WICK_DNNL_LIBRARY_DIR.
#
# Why not find_package(dnnl): Debian's dnnl-config.cmake does
# find_package(OpenCL REQUIRED), and libdnnl-dev only recommends the OpenCL
# headers, so on a machine without them it would fail the whole configure,
# AUTO or not. The header and the library are all wick needs.
# Why 2.x only: the kernels use the operation descriptors that oneDNN 3.0
# removed.
include(${CMAKE_CURRENT_LIST_DIR}/WickSwitch.cmake)
wick_switch(WICK_DNNL "oneDNN for float32 CPU convolutions" _wick_dnnl)
set(WICK_HAS_DNNL OFF)

if(NOT _wick_dnnl STREQUAL "OFF")
  find_path(WICK_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
  find_library(WICK_DNNL_LIBRARY dnnl)
  set(_why "")
  if(NOT EXISTS "${WICK_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" OR NOT EXISTS "${WICK_DNNL_LIBRARY}")
    set(_why "oneapi/dnnl/dnnl.hpp or libdnnl not found; install libdnnl-dev (scripts/setup.sh)")
  else()
    file(STRINGS "${WICK_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _major REGEX "#define DNNL_VERSION_MAJOR")
    file(STRINGS "${WICK_DNNL_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _minor REGEX "#define DNNL_VERSION_MINOR")
    string(REGEX REPLACE ".* ([0-9]+).*" "\\1" _major "${_major}")
    string(REGEX REPLACE ".* ([0-9]+).*" "\\1" _minor "${_minor}")
    set(WICK_DNNL_VERSION "${_major}.${_minor}")
    if(_major STREQUAL "2")
      set(WICK_HAS_DNNL ON)
    else()
      set(_why "found oneDNN ${WICK_DNNL_VERSION} in ${WICK_DNNL_INCLUDE_DIR}, but wick's kernels need 2.x")
    endif()
  endif()
  if(WICK_HAS_DNNL)
    # wickConfig.cmake searches here first on the consumer's side.
    get_filename_component(WICK_DNNL_LIBRARY_DIR "${WICK_DNNL_LIBRARY}" DIRECTORY)
    message(STATUS "oneDNN: on (${WICK_DNNL_VERSION}, ${WICK_DNNL_LIBRARY})")
  elseif(_wick_dnnl STREQUAL "ON")
    message(FATAL_ERROR "WICK_DNNL=ON, but ${_why}; or configure with -DWICK_DNNL=OFF")
  else()
    message(STATUS "oneDNN: off (${_why})")
  endif()
else()
  message(STATUS "oneDNN: off (WICK_DNNL=OFF)")
endif()

# Adds the oneDNN kernels to `target` (the wick library). The link is
# PRIVATE, but libwick.a is static, so it reaches the consumer's link line
# through the exported target as WickDnnl::dnnl, which wickConfig.cmake
# defines again on the consumer's machine.
function(wick_add_dnnl target)
  if(NOT TARGET WickDnnl::dnnl)
    add_library(WickDnnl::dnnl SHARED IMPORTED)
    set_target_properties(WickDnnl::dnnl PROPERTIES IMPORTED_LOCATION "${WICK_DNNL_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${WICK_DNNL_INCLUDE_DIR}")
  endif()
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/backend/cpu/dnnl_conv.cpp)
  target_link_libraries(${target} PRIVATE WickDnnl::dnnl)
  target_compile_definitions(${target} PRIVATE WICK_HAVE_DNNL=1)
endfunction()
