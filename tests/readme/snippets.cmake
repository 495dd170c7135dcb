# The README's C++ compiled and run: every ```cpp block of README.md becomes
# part of one generated C++ file, built as `isinggan_readme_snippets` and run
# as the CTest test `readme.snippets` (tests/readme/CMakeLists.txt).
#
# The convention a README block follows (docs/testing.md says it too):
# - A block opened by a line ```cpp (the fence at the start of the line) is a
#   whole program: its #include lines, its declarations, and `int main()`,
#   which returns 0 when what the block shows holds. Blocks of other languages
#   (```sh, ```cmake, plain ```) are skipped. Keep each block quick: all of
#   them together should run in a few seconds.
# - Each block goes into a namespace of its own, `readme_snippet_<k>` (k = 1,
#   2, ... in README order), with `main` renamed `readme_main` by a macro
#   around the block, so several blocks may define the same names and each
#   its own main. Its #include lines are hoisted to the top of the file (in
#   order; a blank line stays in their place), so a block must not rely on
#   being at global scope (no `namespace std { ... }`, no `extern "C"`).
# - A `#line` directive before each block makes compiler messages name
#   README.md and the block's own line numbers.
# - The generated main() runs every block in order, prints README.md:<line>
#   and `ok` for each, and fails (exit 1) when one returns non-zero or throws,
#   and when README.md holds no ```cpp block at all: a README whose examples
#   all turned into prose must not pass silently.
#
# isinggan_readme_snippets(README OUTPUT COUNT_VAR) writes OUTPUT (only when
# its content changes, so a reconfigure does not rebuild for nothing) and sets
# COUNT_VAR to the number of blocks.

function(isinggan_readme_snippets readme output count_var)
  file(READ "${readme}" text)
  string(REPLACE "\r\n" "\n" text "${text}")
  # Split into lines without CMake's list syntax getting in the way: the
  # characters it treats specially are swapped for control characters first
  # and restored in each line written.
  string(ASCII 1 s_backslash)
  string(ASCII 2 s_semicolon)
  string(ASCII 3 s_open)
  string(ASCII 4 s_close)
  string(REPLACE "\\" "${s_backslash}" text "${text}")
  string(REPLACE ";" "${s_semicolon}" text "${text}")
  string(REPLACE "[" "${s_open}" text "${text}")
  string(REPLACE "]" "${s_close}" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")

  set(includes "")
  set(bodies "")
  set(count 0)
  set(starts "")
  set(fence "")   # "", "cpp" (inside a C++ block) or "other" (inside another fenced block)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    string(REPLACE "${s_backslash}" "\\" line "${line}")
    string(REPLACE "${s_semicolon}" ";" line "${line}")
    string(REPLACE "${s_open}" "[" line "${line}")
    string(REPLACE "${s_close}" "]" line "${line}")
    if(fence STREQUAL "")
      if(line MATCHES "^```cpp[ \t]*$")
        set(fence "cpp")
        math(EXPR count "${count} + 1")
        math(EXPR first "${number} + 1")
        list(APPEND starts ${first})
        string(APPEND bodies "namespace readme_snippet_${count} {\n#define main readme_main\n"
                             "#line ${first} \"${readme}\"\n")
      elseif(line MATCHES "^```")
        set(fence "other")
      endif()
    elseif(line MATCHES "^```[ \t]*$")
      if(fence STREQUAL "cpp")
        string(APPEND bodies "#undef main\n}  // namespace readme_snippet_${count}\n\n")
      endif()
      set(fence "")
    elseif(fence STREQUAL "cpp")
      if(line MATCHES "^[ \t]*#[ \t]*include")
        string(APPEND includes "${line}\n")
        string(APPEND bodies "\n")
      else()
        string(APPEND bodies "${line}\n")
      endif()
    endif()
  endforeach()
  if(fence STREQUAL "cpp")
    message(FATAL_ERROR "${readme}: the ```cpp block that starts at line ${first} is not closed")
  endif()

  set(source "// Generated from ${readme} by tests/readme/snippets.cmake: do not edit.\n")
  string(APPEND source "// Each ```cpp block of the README, in a namespace of its own (see that script).\n")
  string(APPEND source "#include <cstdio>\n#include <exception>\n${includes}\n${bodies}")
  string(APPEND source "#line 1 \"readme_snippets.cpp (generated)\"\n")
  if(count EQUAL 0)
    string(APPEND source "int main() {\n"
      "    std::fprintf(stderr, \"${readme}: no ```cpp block, so none of the README's C++ is checked; \"\n"
      "                         \"the README shows the library in C++ examples (tests/readme/snippets.cmake)\\n\");\n"
      "    return 1;\n}\n")
  else()
    string(APPEND source "int main() {\n    struct snippet {\n        int (*run)();\n        int line;\n    };\n"
                         "    const snippet snippets[] = {\n")
    set(k 0)
    foreach(start IN LISTS starts)
      math(EXPR k "${k} + 1")
      string(APPEND source "        {&readme_snippet_${k}::readme_main, ${start}},\n")
    endforeach()
    string(APPEND source "    };\n    int failed = 0;\n    for (const snippet& s : snippets) {\n"
      "        int status = 0;\n"
      "        try {\n            status = s.run();\n"
      "        } catch (const std::exception& e) {\n"
      "            std::fprintf(stderr, \"README.md:%d: threw: %s\\n\", s.line, e.what());\n"
      "            status = -1;\n        }\n"
      "        if (status != 0) ++failed;\n"
      "        std::printf(\"README.md:%d: %s\\n\", s.line, status == 0 ? \"ok\" : \"FAILED\");\n"
      "    }\n"
      "    std::printf(\"%d of ${count} README C++ blocks failed\\n\", failed);\n"
      "    return failed == 0 ? 0 : 1;\n}\n")
  endif()

  file(WRITE "${output}.tmp" "${source}")
  configure_file("${output}.tmp" "${output}" COPYONLY)
  file(REMOVE "${output}.tmp")
  set(${count_var} ${count} PARENT_SCOPE)
endfunction()
