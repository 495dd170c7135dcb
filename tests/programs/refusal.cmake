# A refused command line, as a test of its own: the program exits with
# <status> (2 for a bad command line), its output matches <message> (a regular
# expression), and every UNTOUCHED path is left as it was (expect_refusal in
# program_test.cmake): a refusal that exits 0, says something else or writes a
# file fails.
#   cmake -P refusal.cmake -- <status> <message> [UNTOUCHED <path>...] RUN <program> <args>...
# The words come after `--` as given, empty ones included (`--lr ""`).
cmake_policy(VERSION 3.25)  # the project's policies: lists keep empty elements, quoted words are not variables
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
set(words "")
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND words "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
list(FIND words RUN run_at)
if(run_at LESS 2)
  message(FATAL_ERROR "usage: cmake -P refusal.cmake -- <status> <message> [UNTOUCHED <path>...] RUN <program> <args>...")
endif()
list(GET words 0 status)
list(GET words 1 message)
math(EXPR command_at "${run_at} + 1")
math(EXPR paths "${run_at} - 2")
list(SUBLIST words ${command_at} -1 command)
list(SUBLIST words 2 ${paths} untouched)
list(REMOVE_ITEM untouched UNTOUCHED)
list(POP_FRONT command program)
# Spelled out word by word (see _expect_run), so that empty arguments stay.
set(call "expect_refusal([==[${program}]==] ${status} [==[${message}]==] UNTOUCHED")
foreach(path IN LISTS untouched)
  string(APPEND call " [==[${path}]==]")
endforeach()
string(APPEND call " ARGS")
foreach(arg IN LISTS command)
  string(APPEND call " [==[${arg}]==]")
endforeach()
cmake_language(EVAL CODE "${call})")
