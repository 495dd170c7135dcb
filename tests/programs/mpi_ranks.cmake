# The programs under an MPI launcher, unchanged: two ranks train one run of
# ising_resgan (rank 0 alone writes it), resume it with one rank, then two
# ranks train a U-Net; a batch that does not divide among the ranks is refused
# with a message naming it.
#   cmake -DMPIEXEC=<mpiexec> -DPROGRAM=<ising_resgan> -DUNET=<unet> -DRUN=<folder> -P mpi_ranks.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN} ${RUN}_unet)
set(ENV{OMPI_ALLOW_RUN_AS_ROOT} 1)
set(ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} 1)
set(two_ranks --oversubscribe -np 2)
set(common --size 32 --width 0.25 --synthetic 16 --threads 1)

expect(${MPIEXEC} 0 "data-parallel: 2 ranks of 2 samples \\(global batch 4\\), batch norm over the global batch"
       ${two_ranks} ${PROGRAM} train ${common} --batch 4 --iters 3 --sync-bn --out ${RUN})
logged_steps(${RUN}/log.csv logged)
if(NOT logged EQUAL 3)
  message(FATAL_ERROR "log.csv has ${logged} steps (one row a step, from rank 0 alone), expected 3:\n${out}${err}")
endif()
expect_contains(${RUN}/config.json "\"ranks\": 2" "\"sync_bn\": \"on\"")
string(REGEX MATCHALL "trained to step 3" lines "${out}")
list(LENGTH lines printed)
if(NOT printed EQUAL 1)
  message(FATAL_ERROR "the closing line was printed ${printed} times (rank 0 alone speaks):\n${out}")
endif()

# One process continues the run of two ranks.
expect(${PROGRAM} 0 "resuming .* at step 3" train --resume --iters 5 --threads 1 --out ${RUN})
logged_steps(${RUN}/log.csv logged)
if(NOT logged EQUAL 5)
  message(FATAL_ERROR "log.csv has ${logged} steps after the one-rank resume, expected 5")
endif()

# A global batch that does not split: refused on every rank, the job stopped.
execute_process(COMMAND ${MPIEXEC} ${two_ranks} ${PROGRAM} train ${common} --batch 5 --iters 1 --out ${RUN}_odd
                RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
if(rc EQUAL 0 OR NOT "${o}${e}" MATCHES "the batch of 5 does not divide among 2 ranks")
  message(FATAL_ERROR "--batch 5 on 2 ranks: exit ${rc}, expected a refusal naming it:\n${o}${e}")
endif()

# The U-Net under two ranks.
expect(${MPIEXEC} 0 "IoU: " ${two_ranks} ${UNET} --size 32 --width 0.125 --epochs 1 --batch 4 --synthetic-count 24 --threads 1
       --out ${RUN}_unet)
foreach(file metrics.json log.csv checkpoint.safetensors)
  if(NOT EXISTS ${RUN}_unet/${file})
    message(FATAL_ERROR "${RUN}_unet/${file} is missing after the two-rank U-Net run")
  endif()
endforeach()
