# Shared by the program tests (cmake -P scripts that include() this file): run
# a program and check its exit status and output; check a file's content.

# expect(<program> <status> <pattern> <args>...): runs `program args...`; the
# test fails, showing the output, unless it exits with `status` and its output
# (stdout and stderr together) matches the regular expression `pattern` ("" for
# any). The output is left in `out` and `err`, the first group of the pattern
# in `match`, for the checks that follow.
function(expect program status pattern)
  execute_process(COMMAND ${program} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(NOT rc EQUAL status OR NOT all MATCHES "${pattern}")
    list(JOIN ARGN " " args)
    message(FATAL_ERROR "${program} ${args}: exit ${rc} (expected ${status}), output not matching '${pattern}':\n${all}")
  endif()
  set(match "${CMAKE_MATCH_1}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

# expect_contains(<file> <text>...): the test fails unless `file` contains every text.
function(expect_contains file)
  file(READ ${file} content)
  foreach(expected IN LISTS ARGN)
    string(FIND "${content}" "${expected}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${file} lacks ${expected}:\n${content}")
    endif()
  endforeach()
endfunction()

# logged_steps(<log.csv> <var>): how many step rows a training log holds (its lines less the header).
function(logged_steps log var)
  file(STRINGS ${log} rows)
  list(LENGTH rows count)
  math(EXPR count "${count} - 1")
  set(${var} ${count} PARENT_SCOPE)
endfunction()
