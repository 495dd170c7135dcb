# The programs under an MPI launcher, unchanged: two ranks train one run of
# ising_resgan (rank 0 alone writes it), resume it with one rank, then two
# ranks train a U-Net; a batch that does not divide among the ranks is refused
# with a message naming it; each recipe run by two ranks with --sync-bn is the
# run of one process.
#   cmake -DMPIEXEC=<mpiexec> -DPROGRAM=<ising_resgan> -DUNET=<unet> -DWEIGHTS_DIFF=<isinggan_mpi_tests>
#         -DRUN=<folder> -P mpi_ranks.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN} ${RUN}_unet)
foreach(recipe patch paper)
  file(REMOVE_RECURSE ${RUN}_${recipe}_one ${RUN}_${recipe}_two ${RUN}_${recipe}_per_rank)
endforeach()
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

# Each recipe as one process and as two ranks with --sync-bn: the same
# computation, to rounding (the default recipe's minibatch standard deviation
# included), so the weights of both networks agree; without --sync-bn the
# ranks compute another run, which the comparison must see. Adam's ε is 1
# here: with its default 1e-8 Adam's first steps move every weight by about ±lr whatever
# its gradient's size, so a gradient within rounding of 0, or a (leaky) ReLU
# input within rounding of 0, gives lr-sized differences whose size depends on
# the seed and the BLAS kernel, not on data parallelism (measured with ε 1e-8
# over seeds 1-5, 4 steps: 1e-7 to 9e-5 for the patch recipe, 5e-7 to 1.2e-3
# for the paper's, OPENBLAS_CORETYPE unset and Haswell). With ε = 1 the update
# is Lipschitz in the gradient; lr 0.005 makes the weights move enough for the
# negative control to show. The paper's networks (batch norm, β1 0.9) amplify
# rounding about a hundredfold a step at this rate (1.6e-8, 2e-6, 2e-4 after
# 1, 2, 4 steps at lr 0.02), so that recipe is compared after one step; the
# gradients of every step are compared in mpi.two_ranks. The bound, 1e-6, is
# 100 times what rounding leaves here (3e-9 to 1.3e-8, OPENBLAS_CORETYPE unset
# and Haswell) and below what a minibatch standard deviation that ignores
# --sync-bn leaves (1.2e-6 in G, 5.3e-6 in D: measured with that mutation).
# Biases are left out: see --weights-difference in tests/distributed/mpi_tests.cpp.
function(weights_difference two one network var)
  expect(${WEIGHTS_DIFF} 0 "relative difference ([0-9.e+-]+)" --weights-difference ${two}/checkpoint.safetensors
         ${one}/checkpoint.safetensors ${network})
  set(${var} ${match} PARENT_SCOPE)
endfunction()
foreach(recipe_steps "patch;4" "paper;1")
  list(GET recipe_steps 0 recipe)
  list(GET recipe_steps 1 steps)
  set(run train ${common} --recipe ${recipe} --batch 8 --iters ${steps} --seed 3 --adam-eps 1 --lr 0.005)
  set(prefix ${RUN}_${recipe})
  expect(${PROGRAM} 0 "" ${run} --out ${prefix}_one)
  expect(${MPIEXEC} 0 "" ${two_ranks} ${PROGRAM} ${run} --sync-bn --out ${prefix}_two)
  expect(${MPIEXEC} 0 "" ${two_ranks} ${PROGRAM} ${run} --out ${prefix}_per_rank)
  # Both networks: the minibatch standard deviation acts on the discriminator first.
  foreach(network generator discriminator)
    weights_difference(${prefix}_two ${prefix}_one ${network} synchronised)
    weights_difference(${prefix}_per_rank ${prefix}_one ${network} per_rank)
    message(STATUS "--recipe ${recipe}, ${steps} steps: ${network} weights of 2 ranks against one process, "
                   "relative L2: ${synchronised} with --sync-bn, ${per_rank} without")
    if(NOT synchronised LESS 1e-6)
      message(FATAL_ERROR "--recipe ${recipe}: two ranks with --sync-bn left ${network} weights ${synchronised} apart "
                          "from one process's (relative L2), more than 1e-6: not the computation of one process")
    endif()
    if(network STREQUAL "generator" AND NOT per_rank GREATER 1e-4)
      message(FATAL_ERROR "--recipe ${recipe}: two ranks without --sync-bn came within ${per_rank} of one process: "
                          "the comparison sees nothing")
    endif()
  endforeach()
endforeach()
