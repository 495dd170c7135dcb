# `train --overwrite` replaces the run in RUN, but only once the command is
# accepted (examples/README.md): a mistyped one (a bad flag value, a setting
# the program refuses, a missing data folder) is refused and leaves the old run
# as it was, byte for byte. The accepted one removes the old run's checkpoint,
# log, config.json, metrics.csv and sample grids and starts a new run; other
# files in RUN stay.
#   cmake -DPROGRAM=<ising_resgan> -DRUN=<folder holding a run of 1 step, seed 0> -P overwrite_run.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
set(small --size 32 --width 0.25 --batch 4 --synthetic 16 --threads 1)
foreach(file checkpoint.safetensors log.csv samples/step_000001.png)
  if(NOT EXISTS ${RUN}/${file})
    message(FATAL_ERROR "${RUN} does not hold the 1-step run this test replaces (no ${file})")
  endif()
endforeach()
file(WRITE ${RUN}/notes.txt "the user's, not the run's")

# Refused at every stage before the run starts: the command line, the recipe,
# the data folder, and the settings checked against the loaded data (the last
# check before the old run is removed).
foreach(case "2;--iters must be at least 1;--iters;0"
             "2;--resume continues the run in --out, --overwrite replaces it;--resume"
             "2;--patch 48: the networks' side must be 32, 64, 128 or 256;--patch;48"
             "1;no-such-data: no such data folder;--data;${RUN}/no-such-data"
             "2;--balance 99: more modalities than the 16 training images;--balance;99")
  list(POP_FRONT case status message)
  expect_refusal(${PROGRAM} ${status} "${message}" UNTOUCHED ${RUN}
                 ARGS train ${small} ${case} --overwrite --out ${RUN})
endforeach()

file(SHA256 ${RUN}/checkpoint.safetensors old_checkpoint)
file(SHA256 ${RUN}/log.csv old_log)
expect(${PROGRAM} 0 "replacing the previous run in" train ${small} --iters 2 --seed 1 --overwrite --out ${RUN})
file(SHA256 ${RUN}/checkpoint.safetensors new_checkpoint)
file(SHA256 ${RUN}/log.csv new_log)
if(new_checkpoint STREQUAL old_checkpoint OR new_log STREQUAL old_log)
  message(FATAL_ERROR "--overwrite exited 0 but left the old run's checkpoint or log.csv:\n${out}")
endif()
# The new run's own files: its seed, two steps, grids at steps 0 and 2 and no
# other (the old run's step 1 is gone), metrics of this run alone.
expect_contains(${RUN}/config.json "\"seed\": 1," "\"iters\": 2,")
logged_steps(${RUN}/log.csv logged)
file(GLOB grids RELATIVE ${RUN}/samples ${RUN}/samples/*)
list(SORT grids)
file(STRINGS ${RUN}/metrics.csv metrics)
list(LENGTH metrics metric_rows)
if(NOT logged EQUAL 2 OR NOT grids STREQUAL "step_000000.png;step_000002.png" OR NOT metric_rows EQUAL 4)
  message(FATAL_ERROR "after --overwrite: ${logged} logged steps (expected 2), grids '${grids}' (expected steps 0 "
                      "and 2), ${metric_rows} lines in metrics.csv (expected 4: header, real, steps 0 and 2)")
endif()
if(NOT EXISTS ${RUN}/notes.txt)
  message(FATAL_ERROR "--overwrite removed ${RUN}/notes.txt, which is not a file of the run")
endif()
