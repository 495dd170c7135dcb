# A rank that dies mid-run must stop the whole job: the other rank ends with a
# message and a non-zero exit within 60 s, never a silent hang.
#   cmake -DMPIEXEC=... -DPROGRAM=... -P rank_failure.cmake
string(TIMESTAMP start "%s")
execute_process(
  COMMAND ${MPIEXEC} --oversubscribe -np 2 ${PROGRAM} --kill-rank 1
  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message(STATUS "exit: ${code} after ${seconds} s\n--- output ---\n${out}${err}")
if(code EQUAL 0)
  message(FATAL_ERROR "the job exited 0 although rank 1 was killed")
endif()
if(code MATCHES "timeout|Process terminated due to timeout")
  message(FATAL_ERROR "the job hung: still running after 90 s")
endif()
if(seconds GREATER 60)
  message(FATAL_ERROR "the job took ${seconds} s to stop (at most 60 expected)")
endif()
if(NOT "${out}${err}" MATCHES "killing myself")
  message(FATAL_ERROR "rank 1 did not reach its kill point")
endif()
if(NOT "${out}${err}" MATCHES "(signal 9|Killed|waited [0-9]+ s for the other ranks)")
  message(FATAL_ERROR "no message names the failed rank")
endif()
