# Shared by the program tests (cmake -P scripts that include() this file): run
# a program and check its exit status and output; check that a refused command
# left the files it names as they were; check a file's content.

# Runs `program` with the arguments in the list variable `args_var` of the
# caller and checks its exit status and output; sets rc, out, err and match in
# the caller. The command is spelled out argument by argument, so that an empty
# argument (`--lr ""`) reaches the program: an unquoted list expansion would drop it.
function(_expect_run program status pattern args_var)
  set(call "execute_process(COMMAND [==[${program}]==]")
  set(shown "")
  foreach(arg IN LISTS ${args_var})
    string(APPEND call " [==[${arg}]==]")
    if(arg STREQUAL "")
      string(APPEND shown " ''")
    else()
      string(APPEND shown " ${arg}")
    endif()
  endforeach()
  string(APPEND call " RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)")
  cmake_language(EVAL CODE "${call}")
  set(all "${out}${err}")
  if(NOT rc EQUAL status OR NOT all MATCHES "${pattern}")
    message(FATAL_ERROR "${program}${shown}: exit ${rc} (expected ${status}), output not matching '${pattern}':\n${all}")
  endif()
  set(match "${CMAKE_MATCH_1}" PARENT_SCOPE)
  foreach(name rc out err)
    set(${name} "${${name}}" PARENT_SCOPE)
  endforeach()
endfunction()

# expect(<program> <status> <pattern> <args>...): runs `program args...`; the
# test fails, showing the output, unless it exits with `status` and its output
# (stdout and stderr together) matches the regular expression `pattern` ("" for
# any). The output is left in `out` and `err`, the first group of the pattern
# in `match`, for the checks that follow.
function(expect program status pattern)
  set(expect_args "${ARGN}")
  _expect_run("${program}" "${status}" "${pattern}" expect_args)
  set(match "${match}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

# tree_state(<var> <path>...): what `paths` hold, one entry per file (its
# SHA-256) and per folder, recursively; a missing path is an entry too, so that
# a file or folder that appears is a difference.
function(tree_state var)
  set(state "")
  foreach(path IN LISTS ARGN)
    if(IS_DIRECTORY "${path}")
      file(GLOB_RECURSE entries LIST_DIRECTORIES true "${path}/*")
      list(SORT entries)
      list(PREPEND entries "${path}")
      foreach(entry IN LISTS entries)
        if(IS_DIRECTORY "${entry}")
          list(APPEND state "${entry}/ (folder)")
        else()
          file(SHA256 "${entry}" hash)
          list(APPEND state "${entry} ${hash}")
        endif()
      endforeach()
    elseif(EXISTS "${path}")
      file(SHA256 "${path}" hash)
      list(APPEND state "${path} ${hash}")
    else()
      list(APPEND state "${path} (absent)")
    endif()
  endforeach()
  set(${var} "${state}" PARENT_SCOPE)
endfunction()

# expect_refusal(<program> <status> <pattern> [UNTOUCHED <path>...] ARGS <args>...):
# as expect(), and the files and folders under every UNTOUCHED path are as
# they were before the command, byte for byte, none added or removed (a path
# that did not exist must still not exist). A refused command writes nothing.
function(expect_refusal program status pattern)
  cmake_parse_arguments(PARSE_ARGV 3 refusal "" "" "UNTOUCHED;ARGS")
  tree_state(before ${refusal_UNTOUCHED})
  _expect_run("${program}" "${status}" "${pattern}" refusal_ARGS)
  tree_state(after ${refusal_UNTOUCHED})
  if(NOT before STREQUAL after)
    set(gone ${before})
    set(came ${after})
    list(REMOVE_ITEM gone ${after})
    list(REMOVE_ITEM came ${before})
    foreach(side gone came)
      if(${side} STREQUAL "")
        set(${side} "(nothing)")
      endif()
      string(REPLACE ";" "\n  " ${side} "${${side}}")
    endforeach()
    message(FATAL_ERROR "${program} was refused (exit ${rc}) but changed what it had to leave alone.\n"
                        "Before, not after:\n  ${gone}\nAfter, not before:\n  ${came}\nIts output:\n${out}${err}")
  endif()
  set(match "${match}" PARENT_SCOPE)
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
