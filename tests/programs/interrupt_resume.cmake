# Ctrl-C (SIGINT) stops `train` between steps: exit 130, a checkpoint and a log
# row for every step done, and a line naming the step. A resume then drops the
# log rows after the checkpoint's step (as a run killed after its last save
# leaves them), so that every step appears once.
#   cmake -DPROGRAM=<ising_gan> -DTIMEOUT=<coreutils timeout> -DRUN=<folder> -P interrupt_resume.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})
# --preserve-status: timeout exits with the program's own status. A program
# killed by the signal (no handler) would also give 130, but print no line and
# write no checkpoint: the checks below tell the two apart.
expect(${TIMEOUT} 130 "interrupted at step ([0-9]+); checkpoint" --preserve-status -s INT 4
       ${PROGRAM} train --size 32 --width 0.25 --batch 4 --synthetic 16 --threads 1
       --iters 100000000 --checkpoint-every 100000000 --sample-every 100000000 --out ${RUN})
set(step ${match})
if(step LESS 1 OR NOT EXISTS ${RUN}/checkpoint.safetensors)
  message(FATAL_ERROR "interrupted at step ${step}; checkpoint present: expected both (step >= 1)")
endif()
logged_steps(${RUN}/log.csv logged)
if(NOT logged EQUAL step)
  message(FATAL_ERROR "log.csv has ${logged} steps, the run was interrupted at step ${step}")
endif()

# Rows past the checkpoint, as a run killed after its last save leaves them.
math(EXPR s1 "${step} + 1")
math(EXPR s2 "${step} + 2")
math(EXPR s3 "${step} + 3")
file(APPEND ${RUN}/log.csv "${s1},999.000,1,1,0,0.5,0.5\n${s2},999.000,1,1,0,0.5,0.5\n${s3},999.000,1,1,0,0.5,0.5\n")
expect(${PROGRAM} 0 "" train --resume --iters ${s2} --threads 1 --out ${RUN})
file(STRINGS ${RUN}/log.csv rows)
list(POP_FRONT rows header)
list(LENGTH rows count)
if(NOT count EQUAL s2)
  message(FATAL_ERROR "log.csv has ${count} rows after resuming to step ${s2}, expected ${s2}:\n${rows}")
endif()
set(expected 1)
foreach(row IN LISTS rows)
  if(NOT row MATCHES "^${expected},")
    message(FATAL_ERROR "log.csv row '${row}' is out of order: expected step ${expected}")
  endif()
  if(row MATCHES ",999\\.000,")
    message(FATAL_ERROR "log.csv keeps a row written after the checkpoint: '${row}'")
  endif()
  math(EXPR expected "${expected} + 1")
endforeach()
