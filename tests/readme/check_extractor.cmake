# readme.extractor: snippets.cmake on two small markdown files (no compiler
# needed). usage: cmake -DWORK_DIR=<dir> -P check_extractor.cmake
include(${CMAKE_CURRENT_LIST_DIR}/snippets.cmake)
file(MAKE_DIRECTORY ${WORK_DIR})

# expect(<message> <condition>...): fails with the message unless the if() condition holds.
macro(expect what)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "readme.extractor: ${what}")
  endif()
endmacro()

# Two C++ blocks among others; a line continuation, semicolons and brackets kept as written.
set(fence "```")
file(WRITE ${WORK_DIR}/two.md
  "# title\n\n${fence}sh\necho a; \\\n  echo b\n${fence}\n\ntext\n\n"
  "${fence}cpp\n#include <vector>\nint main() { std::vector<int> v{1}; return v[0] - 1; }\n${fence}\n\n"
  "${fence}cmake\nset(x [[a;b]])\n${fence}\n\n"
  "${fence}cpp\nint main() {\n    auto f = [](int a) { return a; };\n    return f(0);\n}\n${fence}\n")
isinggan_readme_snippets(${WORK_DIR}/two.md ${WORK_DIR}/two.cpp count)
file(READ ${WORK_DIR}/two.cpp source)
expect("two ```cpp blocks: found ${count}" "${count}" EQUAL 2)
string(FIND "${source}" "namespace readme_snippet_2 {" at)
expect("the second block is not in namespace readme_snippet_2" NOT at EQUAL -1)
string(FIND "${source}" "#include <vector>" include_at)
string(FIND "${source}" "namespace readme_snippet_1 {" first_at)
expect("the block's #include is not hoisted above the namespaces" include_at LESS first_at)
string(FIND "${source}" "return v[0] - 1; }" at)
expect("a line with brackets and semicolons was not kept as written" NOT at EQUAL -1)
string(FIND "${source}" "echo" at)
expect("the sh block leaked into the C++ file" at EQUAL -1)
string(FIND "${source}" "set(x" at)
expect("the cmake block leaked into the C++ file" at EQUAL -1)
string(FIND "${source}" "#line 11 " at)
expect("no #line directive naming the first block's first line (11)" NOT at EQUAL -1)
string(FIND "${source}" "{&readme_snippet_2::readme_main, 20}" at)
expect("the runner does not call the second block (line 20)" NOT at EQUAL -1)

# No C++ block: the generated program must fail.
file(WRITE ${WORK_DIR}/none.md "# title\n\n${fence}sh\nscripts/run\n${fence}\n")
isinggan_readme_snippets(${WORK_DIR}/none.md ${WORK_DIR}/none.cpp count)
file(READ ${WORK_DIR}/none.cpp source)
expect("no ```cpp block: found ${count}" "${count}" EQUAL 0)
string(REGEX MATCH "int main\\(\\) {[^}]*return 1;" failing "${source}")
expect("without a ```cpp block the generated main() does not return 1" failing)
message(STATUS "readme.extractor: blocks, hoisted includes, skipped languages and the empty case as expected")
