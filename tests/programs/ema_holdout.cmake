# --ema: the run keeps a moving average of G, recorded in config.json, and
# sample/export draw from it; --holdout F --split-seed S: the GAN never trains
# on the images `unet --test-fraction F --split-seed S` tests on; a resume
# keeps the run's data (without --data it used to fall back to the synthetic set).
#   cmake -DPROGRAM=<ising_resgan> -DPAIRS=<a folder of pairs, flat layout> -DRUN=<folder> -P ema_holdout.cmake
file(REMOVE_RECURSE ${RUN})
execute_process(COMMAND ${PROGRAM} train --data ${PAIRS} --size 32 --width 0.25 --batch 4 --threads 1 --iters 2
                        --ema 0.9 --holdout 0.25 --split-seed 3 --out ${RUN}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "train exited with ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "holding out 6 of 24 images \\(unet --test-fraction 0.25 --split-seed 3 tests on them\\); training on 18")
  message(FATAL_ERROR "no held-out line:\n${out}")
endif()
file(READ ${RUN}/config.json config)
foreach(expected "\"ema\": 0.9" "\"holdout\": 0.25" "\"split_seed\": 3" "\"training_samples\": 18")
  string(FIND "${config}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "config.json lacks ${expected}:\n${config}")
  endif()
endforeach()
execute_process(COMMAND ${PROGRAM} sample --checkpoint ${RUN}/checkpoint.safetensors --n 4 --out ${RUN}/grid.png
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "drawing from the generator's moving average")
  message(FATAL_ERROR "sample exited with ${rc} or did not use the average:\n${out}${err}")
endif()
# A resume without --data trains on the run's data, held-out share and all.
execute_process(COMMAND ${PROGRAM} train --resume --iters 3 --threads 1 --out ${RUN}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "data: 24 images from" OR NOT out MATCHES "training on 18")
  message(FATAL_ERROR "the resume did not keep the run's data (exit ${rc}):\n${out}${err}")
endif()
foreach(flag "--ema;0.5" "--holdout;0.5" "--data;${RUN}")
  execute_process(COMMAND ${PROGRAM} train --resume --iters 4 ${flag} --out ${RUN} RESULT_VARIABLE rc ERROR_VARIABLE err)
  list(GET flag 0 name)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${name} .* differs from the run's")
    message(FATAL_ERROR "resume with a different ${flag}: exit ${rc}, expected 2 with a message:\n${err}")
  endif()
endforeach()
foreach(bad "--ema;1" "--holdout;1")
  execute_process(COMMAND ${PROGRAM} train ${bad} --out ${RUN}_bad RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "train ${bad}: exit ${rc}, expected 2:\n${err}")
  endif()
endforeach()
