# A training run writes metrics.csv: a header, the real training pairs'
# statistics, then one row of the generated pairs' at every sample grid (the
# first at step 0, the last at the final step, no step twice), and prints the
# final statistics; config.json records the trainer options given.
#   cmake -DPROGRAM=<ising_resgan> -DRUN=<folder> -P run_metrics.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})
expect(${PROGRAM} 0 "generated masks \\(256 pairs\\): foreground [0-9.]+, empty [0-9.]+%, [^\n]*pairwise IoU [0-9.]+, bright background [0-9.]+%, colour [0-9.]+% \\(all in "
       train --size 32 --width 0.25 --batch 4 --synthetic 16 --threads 1 --iters 4
       --sample-every 2 --lambda-warmup 3 --mask-range signed --mask-noise 0.1 --lr-d 1e-4 --out ${RUN})
file(STRINGS ${RUN}/metrics.csv rows)
list(LENGTH rows count)
if(NOT count EQUAL 5)
  message(FATAL_ERROR "metrics.csv has ${count} lines, expected 5 (header, real, steps 0, 2, 4):\n${rows}")
endif()
list(GET rows 0 header)
list(GET rows 1 real)
list(GET rows 4 last)
if(NOT header MATCHES "^step,label,n,foreground_fraction,empty_share,objects_per_mask,.*,bright_background_share,colour_share$")
  message(FATAL_ERROR "unexpected header: ${header}")
endif()
if(NOT real MATCHES "^0,real,16," OR NOT last MATCHES "^4,generated,256,")
  message(FATAL_ERROR "unexpected rows: ${real} / ${last}")
endif()
expect_contains(${RUN}/config.json "\"lambda_warmup\": 3" "\"mask_range\": \"signed\"" "\"mask_noise\": 0.1"
                "\"lr_d\": 0.0001")
# curves.svg: the losses and the mask statistics over the steps, one polyline per quantity.
file(READ ${RUN}/curves.svg svg)
string(REGEX MATCHALL "<polyline" lines "${svg}")
list(LENGTH lines polylines)
if(NOT svg MATCHES "^<svg " OR polylines LESS 8 OR NOT svg MATCHES "pairwise mask IoU" OR NOT svg MATCHES "share of coloured images")
  message(FATAL_ERROR "curves.svg lacks its panels (${polylines} polylines):\n${svg}")
endif()
