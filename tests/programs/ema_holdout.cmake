# --ema: the run keeps a moving average of G, recorded in config.json, and
# sample/export draw from it; --holdout F --split-seed S: the GAN never trains
# on the images `unet --test-fraction F --split-seed S` tests on; a resume
# keeps the run's data (without --data it used to fall back to the synthetic set).
#   cmake -DPROGRAM=<ising_resgan> -DPAIRS=<a folder of pairs, flat layout> -DRUN=<folder> -P ema_holdout.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})
expect(${PROGRAM} 0 "holding out 6 of 24 images \\(unet --test-fraction 0.25 --split-seed 3 tests on them\\); training on 18"
       train --data ${PAIRS} --size 32 --width 0.25 --batch 4 --threads 1 --iters 2
       --ema 0.9 --holdout 0.25 --split-seed 3 --out ${RUN})
expect_contains(${RUN}/config.json "\"ema\": 0.9" "\"holdout\": 0.25" "\"split_seed\": 3" "\"training_samples\": 18")
expect(${PROGRAM} 0 "drawing from the generator's moving average"
       sample --checkpoint ${RUN}/checkpoint.safetensors --n 4 --out ${RUN}/grid.png)
# A resume without --data trains on the run's data, held-out share and all.
expect(${PROGRAM} 0 "training on 18" train --resume --iters 3 --threads 1 --out ${RUN})
if(NOT out MATCHES "data: 24 images from")
  message(FATAL_ERROR "the resume did not read the run's data:\n${out}")
endif()
foreach(flag "--ema;0.5" "--holdout;0.5" "--data;${RUN}")
  list(GET flag 0 name)
  expect(${PROGRAM} 2 "${name} .* differs from the run's" train --resume --iters 4 ${flag} --out ${RUN})
endforeach()
# Out of range: refused with the range, no run folder made.
foreach(bad "--ema;1;--ema needs a decay in \\[0, 1\\) \\(e.g. 0.999\\), got '1'"
            "--holdout;1;--holdout needs a share in \\[0, 1\\), got '1'")
  list(POP_BACK bad message)
  expect_refusal(${PROGRAM} 2 "${message}" UNTOUCHED ${RUN}_bad ARGS train ${bad} --out ${RUN}_bad)
endforeach()
