# The CUDA backend switch: WICK_CUDA = AUTO | ON | OFF.
#   AUTO: build the backend when nvcc and the CUDA toolkit are found.
#   ON:   the same, but a missing toolkit is a configure error.
#   OFF:  CPU only.
# Sets WICK_HAS_CUDA and enables the CUDA language. Why the architectures are
# set before enable_language(): CMake 3.25 does not know CUDA 13 and would
# otherwise probe with a default (sm_52) that CUDA 13's nvcc no longer accepts.
set(WICK_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO (when the toolkit is found), ON or OFF")
set_property(CACHE WICK_CUDA PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${WICK_CUDA}" _wick_cuda)
set(WICK_HAS_CUDA OFF)

if(_wick_cuda STREQUAL "AUTO" AND (WICK_SANITIZE OR WICK_FUZZ))
  # nvcc understands neither -fsanitize nor libFuzzer instrumentation.
  message(STATUS "CUDA backend: off (WICK_CUDA=AUTO with a sanitizer/fuzz build)")
  set(_wick_cuda OFF)
endif()

if(NOT _wick_cuda STREQUAL "OFF")
  if(NOT _wick_cuda MATCHES "^(AUTO|ON)$")
    message(FATAL_ERROR "WICK_CUDA must be AUTO, ON or OFF, got '${WICK_CUDA}'")
  endif()
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)  # not on PATH on the dev machines
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # sm_80 (A100) and sm_90 (H100/H200) machine code, plus compute_90 PTX
    # that the driver can JIT for newer cards.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit)
    if(CUDAToolkit_FOUND AND TARGET CUDA::cublas)
      set(WICK_HAS_CUDA ON)
      # CMake 3.25 does not know that nvcc 13 takes C++20; the kernels need only C++17.
      set(CMAKE_CUDA_STANDARD 17)
      set(CMAKE_CUDA_STANDARD_REQUIRED ON)
      if(WICK_CCACHE AND NOT CMAKE_CUDA_COMPILER_LAUNCHER)
        set(CMAKE_CUDA_COMPILER_LAUNCHER ${WICK_CCACHE})
      endif()
      message(STATUS "CUDA backend: on (CUDA ${CUDAToolkit_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
    endif()
  endif()
  if(NOT WICK_HAS_CUDA)
    if(_wick_cuda STREQUAL "ON")
      message(FATAL_ERROR "WICK_CUDA=ON, but nvcc / the CUDA toolkit (with cuBLAS) was not found: "
                          "install it under /usr/local/cuda, set CUDAToolkit_ROOT, or use -DWICK_CUDA=OFF")
    endif()
    message(STATUS "CUDA backend: off (no CUDA toolkit found)")
  endif()
else()
  message(STATUS "CUDA backend: off (WICK_CUDA=OFF)")
endif()

# Adds the backend to `target` (the wick library). The .cu kernels compile in
# an object library so that the library's host flags (-march=native, -Wall)
# never reach nvcc; the host-side .cpp files of backend/cuda/ are plain C++.
function(wick_add_cuda_backend target)
  file(GLOB _cu CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/backend/cuda/*.cu)
  file(GLOB _cpp CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/backend/cuda/cuda_*.cpp)
  add_library(wick_cuda_kernels OBJECT ${_cu})
  target_include_directories(wick_cuda_kernels PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  # -lineinfo: compute-sanitizer and profilers can name source lines.
  target_compile_options(wick_cuda_kernels PRIVATE --expt-relaxed-constexpr -lineinfo -Xcompiler=-fPIC
    -diag-suppress=186)  # "unsigned < 0": the templates cover uint8 too
  target_sources(${target} PRIVATE ${_cpp} $<TARGET_OBJECTS:wick_cuda_kernels>)
  target_compile_definitions(${target} PRIVATE WICK_HAS_CUDA=1)
  # Static cudart: the binaries need only the driver (libcuda) and cuBLAS,
  # which src/backend/cuda/cuda_cublas.cpp loads on first use (dlopen), so a
  # CPU run never maps it; the toolkit's library directory is its fallback.
  target_link_libraries(${target} PRIVATE CUDA::cudart_static ${CMAKE_DL_LIBS})
  target_include_directories(${target} PRIVATE ${CUDAToolkit_INCLUDE_DIRS})
  target_compile_definitions(${target} PRIVATE WICK_CUBLAS_DIR="${CUDAToolkit_LIBRARY_DIR}")
endfunction()
