# `train --resume` continues a run with its own settings: a run of another
# program (gan and ising_gan share their generator) is refused, naming both; a
# flag that gives a setting another value than the run's is refused, naming
# the flag and the run's value, unless --override is given: then the change
# is printed and recorded in config.json and the checkpoint, and later resumes
# keep the new value. Adam's settings come from the checkpoint: never changed.
#   cmake -DGAN=<gan> -DISING_GAN=<ising_gan> -DRUN=<folder> -P resume_settings.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN} ${RUN}_gan)
set(small --size 32 --width 0.25 --synthetic 16 --threads 1)

expect(${GAN} 0 "trained to step 1" train ${small} --batch 4 --iters 1 --out ${RUN}_gan)
expect(${ISING_GAN} 2 "is a run of gan, not of ising_gan: resume it with gan train --resume"
       train --resume --iters 2 ${small} --out ${RUN}_gan)

expect(${ISING_GAN} 0 "trained to step 1" train ${small} --batch 4 --iters 1 --lambda-warmup 5 --out ${RUN})
expect(${ISING_GAN} 2 "--batch 8 differs from the run's 4: a resumed run keeps its settings \\(leave --batch out, or give --override"
       train --resume --iters 2 ${small} --batch 8 --out ${RUN})
expect(${ISING_GAN} 2 "--lambda 3 differs from the run's 1.5"
       train --resume --iters 2 ${small} --lambda 3 --out ${RUN})
expect(${ISING_GAN} 2 "--lambda-warmup 0 differs from the run's 5"
       train --resume --iters 2 ${small} --lambda-warmup 0 --out ${RUN})
expect(${ISING_GAN} 2 "--lr 0.001 differs from the run's 0.0002: the optimizers' settings come from the checkpoint"
       train --resume --iters 2 ${small} --lr 1e-3 --override --out ${RUN})
expect(${ISING_GAN} 2 "--override goes with --resume" train ${small} --override --out ${RUN}_other)
# The same values, given again, are accepted; the batch is the run's when not given.
expect(${ISING_GAN} 0 "trained to step 2" train --resume --iters 2 ${small} --lambda 1.5 --out ${RUN})
file(READ ${RUN}/config.json config)
if(NOT config MATCHES "\"batch\": 4," OR config MATCHES "overrides")
  message(FATAL_ERROR "a resume without --batch did not keep the run's batch 4, or recorded an override:\n${config}")
endif()

expect(${ISING_GAN} 0 "--override: the run's settings change at step 2: --lambda 1.5 -> 3, --batch 4 -> 8"
       train --resume --override --iters 3 ${small} --batch 8 --lambda 3 --out ${RUN})
expect(${ISING_GAN} 0 "trained to step 4" train --resume --iters 4 ${small} --out ${RUN})
expect_contains(${RUN}/config.json "\"batch\": 8," "\"lambda\": 3,"
                "\"overrides\": \"step 2: --lambda 1.5 -> 3, --batch 4 -> 8\"")
