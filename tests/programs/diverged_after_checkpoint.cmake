# A run that diverges after a checkpoint stops with exit status 3 and names
# the last good checkpoint and its step, not "no checkpoint was written"; that
# checkpoint is there and works: it samples and a resume starts at its step.
# Both ways a run has its last checkpoint: one it saved itself, and the one it
# was resumed from (which the diverged run leaves byte for byte as it was).
#   cmake -DPROGRAM=<ising_gan> -DRUN=<folder> -P diverged_after_checkpoint.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN} ${RUN}_resumed ${RUN}_grid.png)
set(small --size 32 --width 0.25 --batch 4 --synthetic 16 --threads 1)

# expect_named_checkpoint(<checkpoint>): the diverged run's message (`match`,
# `err`) named `checkpoint`, and it samples.
function(expect_named_checkpoint checkpoint)
  if(NOT match STREQUAL checkpoint OR err MATCHES "No checkpoint was written")
    message(FATAL_ERROR "the message should name ${checkpoint} as the last good checkpoint:\n${err}")
  endif()
  expect(${PROGRAM} 0 "wrote 4 samples to" sample --checkpoint ${checkpoint} --n 4 --threads 1 --out ${RUN}_grid.png)
endfunction()

# 1. A checkpoint every step and a generator learning rate so large that its
#    weights, still finite in the checkpoint of step 1, overflow at step 2.
expect(${PROGRAM} 3 "training diverged: [^\n]*\\. The last good checkpoint is ([^\n]*), at step 1 \\(one every 1 steps\\)"
       train ${small} --iters 10 --checkpoint-every 1 --lr-g 1e35 --out ${RUN})
expect_named_checkpoint(${RUN}/checkpoint.safetensors)
expect(${PROGRAM} 0 "resuming [^\n]* at step 1\n" train --resume --iters 1 --threads 1 --out ${RUN})

# 2. A run resumed at step 2 with --override setting the mask-ambiguity weight
#    past float's range: the first step after the resume has an infinite loss.
set(checkpoint ${RUN}_resumed/checkpoint.safetensors)
expect(${PROGRAM} 0 "trained to step 2" train ${small} --iters 2 --out ${RUN}_resumed)
file(SHA256 ${checkpoint} saved)
expect(${PROGRAM} 3 "training diverged: [^\n]*\\. The last good checkpoint is ([^\n]*), at step 2 \\(one every 200 steps\\)"
       train --resume --override --mask-ambiguity 1e300 --iters 4 --threads 1 --out ${RUN}_resumed)
expect_named_checkpoint(${checkpoint})
file(SHA256 ${checkpoint} after)
if(NOT after STREQUAL saved)
  message(FATAL_ERROR "the diverged run changed ${checkpoint}, the last good state it names")
endif()
# A resume without the override continues from step 2.
expect(${PROGRAM} 0 "resuming [^\n]* at step 2\n" train --resume --iters 3 --threads 1 --out ${RUN}_resumed)
logged_steps(${RUN}_resumed/log.csv logged)
if(NOT out MATCHES "trained to step 3" OR NOT logged EQUAL 3)
  message(FATAL_ERROR "the resume from the last good checkpoint logged ${logged} steps, expected 3:\n${out}")
endif()
