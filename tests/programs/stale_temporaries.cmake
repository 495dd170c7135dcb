# A checkpoint save killed midway leaves checkpoint.safetensors.tmp-* beside
# the checkpoint; resuming the run removes those files, and only those.
# The resume is time-limited (--minutes without --iters: no step limit).
#   cmake -DPROGRAM=<ising_resgan> -DRUN=<folder holding a run> -P stale_temporaries.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(WRITE ${RUN}/checkpoint.safetensors.tmp-x "half a checkpoint")
file(WRITE ${RUN}/notes.tmp-x "not a checkpoint's temporary file")
expect(${PROGRAM} 0 "" train --resume --minutes 0.001 --batch 4 --synthetic 16 --threads 1 --out ${RUN})
if(EXISTS ${RUN}/checkpoint.safetensors.tmp-x)
  message(FATAL_ERROR "${RUN}/checkpoint.safetensors.tmp-x is still there after the resume:\n${out}")
endif()
if(NOT EXISTS ${RUN}/notes.tmp-x)
  message(FATAL_ERROR "the resume removed ${RUN}/notes.tmp-x, which is not a checkpoint's temporary file")
endif()
if(NOT out MATCHES "removed 1 leftover temporary file" OR NOT out MATCHES "stopped by --minutes")
  message(FATAL_ERROR "unexpected output of the resume:\n${out}")
endif()
