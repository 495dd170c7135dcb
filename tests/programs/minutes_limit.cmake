# `train --minutes M --iters N`: the time limit stops the run long before N
# steps, and the run ends as it does at --iters: a checkpoint, the final sample
# grid, the log, and a line naming the limit. The checkpoint then samples.
#   cmake -DPROGRAM=<ising_resgan> -DRUN=<folder> -P minutes_limit.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})  # a fresh run each time: an existing one would be refused
expect(${PROGRAM} 0 "stopped by --minutes 0.001 after [^\n]* at step ([0-9]+) \\(--iters 1000000 not reached\\)"
       train --size 32 --width 0.25 --batch 4 --synthetic 16 --threads 1 --minutes 0.001 --iters 1000000 --out ${RUN})
set(step ${match})
if(step LESS 1 OR NOT step LESS 1000000)
  message(FATAL_ERROR "stopped at step ${step}, expected between 1 and 999999")
endif()

# What a stop at --iters leaves: the checkpoint, the grid of the last step, a log row per step.
string(LENGTH "${step}" digits)
math(EXPR zeros "6 - ${digits}")
string(REPEAT "0" ${zeros} padding)
foreach(file checkpoint.safetensors log.csv samples/step_${padding}${step}.png)
  if(NOT EXISTS ${RUN}/${file})
    message(FATAL_ERROR "${RUN}/${file} is missing after the time limit stopped the run")
  endif()
endforeach()
logged_steps(${RUN}/log.csv logged)
if(NOT logged EQUAL step)
  message(FATAL_ERROR "log.csv has ${logged} steps, the run stopped at step ${step}")
endif()

# The checkpoint of a time-limited run samples.
expect(${PROGRAM} 0 "" sample --checkpoint ${RUN}/checkpoint.safetensors --n 4 --threads 1 --out ${RUN}_grid.png)
