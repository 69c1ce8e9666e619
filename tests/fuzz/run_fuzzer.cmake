# run_fuzzer.cmake — one bounded libFuzzer run for ctest (see CMakeLists.txt).
#   cmake -DFUZZER=… -DWORKDIR=… -DARTIFACTS=… -DCORPUS=… -DARGS=a|b|c -P run_fuzzer.cmake
# Starts from an empty scratch corpus each time (so the run is the same on every invocation),
# reads the seed corpus read-only, and fails when the fuzzer reports a crash, leak or timeout.
foreach(v FUZZER WORKDIR ARTIFACTS CORPUS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${v}=… is required")
  endif()
endforeach()
string(REPLACE "|" ";" args "${ARGS}")
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}" "${ARTIFACTS}")
execute_process(
  COMMAND "${FUZZER}" ${args} "-artifact_prefix=${ARTIFACTS}/" "${WORKDIR}" "${CORPUS}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); reproducers are in ${ARTIFACTS}/")
endif()
