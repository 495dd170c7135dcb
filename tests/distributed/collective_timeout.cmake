# A rank that stops taking part without dying (a hang, not a crash) must not
# hang the job: the others' collectives wait past the communicator's timeout
# (3 s here) and its watchdog ends them with its message and exit status 3,
# after which the launcher stops the job.
#   cmake -DMPIEXEC=... -DPROGRAM=... -P collective_timeout.cmake
string(TIMESTAMP start "%s")
execute_process(
  COMMAND ${MPIEXEC} --oversubscribe -np 2 ${PROGRAM} --stall-rank 1
  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message(STATUS "exit: ${code} after ${seconds} s\n--- output ---\n${out}${err}")
if(code EQUAL 0 OR code MATCHES "timeout|Process terminated due to timeout")
  message(FATAL_ERROR "the job exited with '${code}': expected the watchdog to stop it")
endif()
if(NOT "${out}${err}" MATCHES "rank 1: stalling")
  message(FATAL_ERROR "rank 1 did not reach its stall point")
endif()
# The watchdog's own words, from the rank that waited (not the launcher's report of a signal).
if(NOT "${out}${err}" MATCHES "rank 0: [^\n]* has waited [0-9]+ s for the other ranks \\(a rank died or hangs\\); stopping this rank")
  message(FATAL_ERROR "rank 0's watchdog did not stop it with its message")
endif()
if(seconds GREATER 60)
  message(FATAL_ERROR "the job took ${seconds} s to stop (at most 60 expected)")
endif()
