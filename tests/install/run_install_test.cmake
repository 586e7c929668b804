# The install test (ctest: install_find_package). Installs the already-built
# wick into a scratch prefix inside the build tree, then configures, builds and
# runs tests/install/consumer, a project outside wick's tree that only knows
#   find_package(wick REQUIRED) + target_link_libraries(consumer PRIVATE wick::wick)
# This is what a user's project does, so it catches a broken export: a missing
# header, a private dependency of the static libwick.a (OpenBLAS, OpenMP,
# Threads) that the consumer cannot find, a path that points into the build tree.
#
#   cmake -DSRC=<source dir> -DBIN=<build dir> -DGEN=<generator>
#         -DCXX=<c++ compiler> -P run_install_test.cmake
foreach(var SRC BIN GEN CXX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_install_test.cmake: pass -D${var}=...")
  endif()
endforeach()

set(work "${BIN}/install-test")
set(prefix "${work}/prefix")
# Start clean: a stale prefix could hide a file that is no longer installed.
file(REMOVE_RECURSE "${work}")

function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: '${name}' failed (exit ${rc}):\n${ARGN}\n${out}")
  endif()
  message(STATUS "install test: ${name}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("cmake --install" "${CMAKE_COMMAND}" --install "${BIN}" --prefix "${prefix}")

# The consumer must find this prefix's package and nothing else: no package
# registry, no system-wide wick that might shadow a broken install.
step("configure consumer" "${CMAKE_COMMAND}"
  -S "${SRC}/tests/install/consumer" -B "${work}/consumer" -G "${GEN}"
  -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_CXX_COMPILER=${CXX}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
string(FIND "${step_output}" "wick_DIR=${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "install test: the consumer found wick outside ${prefix}:\n${step_output}")
endif()

step("build consumer" "${CMAKE_COMMAND}" --build "${work}/consumer")
step("run consumer" "${work}/consumer/consumer")
message(STATUS "install test: consumer output:\n${step_output}")
