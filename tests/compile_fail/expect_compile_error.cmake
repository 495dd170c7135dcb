# Builds one compile-fail case (a target of tests/CMakeLists.txt that is
# not part of `all`) and passes when the build fails with the expected
# message in the compiler's output. A case that compiles, or fails for
# another reason, fails the test.
# usage: cmake -DBUILD_DIR=... -DTARGET=... -DCONFIG=... -DEXPECT=... -P expect_compile_error.cmake
foreach(var BUILD_DIR TARGET EXPECT)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "expect_compile_error.cmake: ${var} is not set")
  endif()
endforeach()
set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET} ${config_args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${TARGET}: compiled, but it must be refused with \"${EXPECT}\"")
endif()
string(FIND "${out}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${TARGET}: did not compile, but the output lacks \"${EXPECT}\":\n${out}")
endif()
message(STATUS "${TARGET}: refused with \"${EXPECT}\"")
