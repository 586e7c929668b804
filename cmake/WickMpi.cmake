# Data-parallel training over MPI (src/distributed/): WICK_MPI = AUTO | ON | OFF.
#   AUTO: use MPI when find_package(MPI) finds it (Debian: libopenmpi-dev).
#   ON:   the same, but a missing MPI is a configure error.
#   OFF:  no MPI: distributed:: is a world of one process (and refuses to run
#         under mpirun with more, rather than train N copies alone).
# Sets WICK_HAS_MPI. wick calls MPI's C API from C++, so it asks FindMPI for
# the CXX component with the deprecated MPI-2 C++ bindings switched off
# (MPI_CXX_SKIP_MPICXX). CXX rather than C also for the consumers of the
# installed package: find_package(MPI COMPONENTS C) fails in a project that
# enabled only C++, and wickConfig.cmake has to find MPI there again.
include(${CMAKE_CURRENT_LIST_DIR}/WickSwitch.cmake)
wick_switch(WICK_MPI "Data-parallel training over MPI" _wick_mpi)
set(WICK_HAS_MPI OFF)
if(NOT _wick_mpi STREQUAL "OFF")
  set(MPI_CXX_SKIP_MPICXX ON)
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    set(WICK_HAS_MPI ON)
    message(STATUS "MPI: on (MPI ${MPI_CXX_VERSION}, ${MPIEXEC_EXECUTABLE})")
  elseif(_wick_mpi STREQUAL "ON")
    message(FATAL_ERROR "WICK_MPI=ON, but no MPI library was found: install libopenmpi-dev "
                        "(scripts/setup.sh) or configure with -DWICK_MPI=OFF")
  else()
    message(STATUS "MPI: off (not found; scripts/setup.sh installs libopenmpi-dev)")
  endif()
else()
  message(STATUS "MPI: off (WICK_MPI=OFF)")
endif()

# Adds the MPI transport to `target` (the wick library). The MPI link is
# PRIVATE, but libwick.a is static, so it reaches the consumer's link line
# through the exported target: wickConfig.cmake finds MPI again there.
function(wick_add_mpi target)
  target_link_libraries(${target} PRIVATE MPI::MPI_CXX)
  target_compile_definitions(${target} PRIVATE WICK_HAVE_MPI=1)
endfunction()
