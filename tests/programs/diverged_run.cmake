# A run that diverges before its first checkpoint stops with exit status 3 and
# says that no checkpoint was written, rather than naming one that is not there.
#   cmake -DPROGRAM=<ising_gan> -DRUN=<folder> -P diverged_run.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})
expect(${PROGRAM} 3 "training diverged" train --size 32 --width 0.25 --batch 4 --synthetic 16 --threads 1 --iters 20
       --lr 1e35 --out ${RUN})
if(EXISTS ${RUN}/checkpoint.safetensors)
  message(FATAL_ERROR "the diverged run left a checkpoint; this test expects it to stop before the first one")
endif()
if(NOT err MATCHES "training diverged: [^\n]*No checkpoint was written" OR err MATCHES "last good checkpoint")
  message(FATAL_ERROR "the message should say that no checkpoint was written:\n${err}")
endif()
