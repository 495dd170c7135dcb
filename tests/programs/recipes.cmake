# --recipe: the default "patch" recipe and the paper's exact one, flags given
# explicitly winning over either; --patch (networks trained on windows, pairs
# exported as mosaics at --size); --d-width and --balance; --intensity on the
# GAN programs and unet; the refusals with their messages.
#   cmake -DPROGRAM=<ising_resgan> -DUNET=<unet> -DRUN=<folder> -P recipes.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})
set(common --batch 4 --iters 2 --synthetic 8 --threads 1)

function(require_config run)
  expect_contains(${run}/config.json ${ARGN})
endfunction()

# The PNG's width and height (IHDR), as "WxH".
function(png_size file out)
  file(READ ${file} hex OFFSET 16 LIMIT 8 HEX)
  string(SUBSTRING ${hex} 0 8 w)
  string(SUBSTRING ${hex} 8 8 h)
  math(EXPR w "0x${w}")
  math(EXPR h "0x${h}")
  set(${out} "${w}x${h}" PARENT_SCOPE)
endfunction()

# 1. The default recipe at 64 px: 32 px windows, stretched images, DCGAN-proportioned networks.
expect(${PROGRAM} 0 "contrast stretched per image" train --size 64 ${common} --out ${RUN}/patch)
require_config(${RUN}/patch "\"recipe\": \"patch\"" "\"size\": 64" "\"patch\": 32" "\"intensity\": \"stretch\""
               "\"networks\": \"dcgan\"" "\"width\": 0.25" "\"beta1\": 0.5" "\"lambda_warmup\": 500"
               "\"mask_range\": \"signed\"" "\"hard_mask\": \"on\"" "\"diff_augment\": \"on\"" "\"ema\": 0.999"
               "\"mask_ambiguity\": 6," "\"minibatch_stddev\": \"on\"")
expect(${PROGRAM} 0 "" export --checkpoint ${RUN}/patch/checkpoint.safetensors --n 3 --out ${RUN}/pairs)
get_filename_component(name ${PROGRAM} NAME_WE)
png_size(${RUN}/pairs/images/${name}_000002.png image_size)
png_size(${RUN}/pairs/masks/${name}_000002.png mask_size)
if(NOT image_size STREQUAL "64x64" OR NOT mask_size STREQUAL "64x64")
  message(FATAL_ERROR "exported pairs of a --size 64 --patch 32 run are ${image_size} / ${mask_size}, expected 64x64")
endif()
# A resume keeps the networks' side and design; changing them is refused.
expect(${PROGRAM} 0 "" train --resume --iters 3 --threads 1 --out ${RUN}/patch)
require_config(${RUN}/patch "\"recipe\": \"patch\"" "\"patch\": 32" "\"networks\": \"dcgan\"")
foreach(case "--patch;64;--patch 64 differs from the run's 32" "--networks;paper;--networks paper differs from the run's dcgan"
             "--intensity;none;--intensity none differs from the run's stretch"
             "--smooth-mask;hard;--smooth-mask hard differs from the run's soft"
             "--mask-ambiguity;2;--mask-ambiguity 2 differs from the run's 6"
             "--minibatch-stddev;off;--minibatch-stddev off differs from the run's on")
  list(GET case 0 flag)
  list(GET case 1 value)
  list(GET case 2 message)
  expect(${PROGRAM} 2 "${message}" train --resume --iters 4 ${flag} ${value} --out ${RUN}/patch)
endforeach()

# 2. The paper's recipe: every setting as the paper has it.
expect(${PROGRAM} 0 "" train --recipe paper --size 32 --width 0.25 ${common} --out ${RUN}/paper)
require_config(${RUN}/paper "\"recipe\": \"paper\"" "\"patch\": 32" "\"intensity\": \"none\"" "\"networks\": \"paper\""
               "\"beta1\": 0.9" "\"lambda_warmup\": 0" "\"mask_range\": \"unit\"" "\"hard_mask\": \"off\""
               "\"diff_augment\": \"off\"" "\"ema\": 0," "\"smooth_mask\": \"soft\"" "\"mask_ambiguity\": 0,"
               "\"minibatch_stddev\": \"off\"")

# 3. A flag given explicitly wins over the recipe.
expect(${PROGRAM} 0 "" train --size 64 ${common} --ema 0 --intensity none --beta1 0.7 --out ${RUN}/mixed)
require_config(${RUN}/mixed "\"recipe\": \"patch\"" "\"ema\": 0," "\"intensity\": \"none\"" "\"beta1\": 0.7" "\"patch\": 32")

# 3b. The patch recipe's step cap at 64 px holds under --minutes too (an explicit --iters wins);
#     the paper's recipe has none under --minutes.
foreach(case "patch;6000" "paper;null")
  list(GET case 0 recipe)
  list(GET case 1 iters)
  expect(${PROGRAM} 0 "" train --recipe ${recipe} --size 64 --width 0.25 --batch 4 --synthetic 8 --threads 1
         --minutes 0.0001 --out ${RUN}/capped_${recipe})
  require_config(${RUN}/capped_${recipe} "\"iters\": ${iters},")
endforeach()

# 3c. --d-width: the recipe's discriminator at twice the generator's width, kept on a resume and
#     in sample/export (which need the generator only); --balance K: the real batches drawn
#     alike from K texture modalities, recorded and kept (the recipe's default on --data: 5).
expect(${PROGRAM} 0 "--balance 2: modalities of" train --size 64 ${common} --d-width 0.5 --balance 2 --out ${RUN}/wide_d)
require_config(${RUN}/wide_d "\"width\": 0.25" "\"d_width\": 0.5" "\"balance\": 2," "\"minibatch_stddev\": \"off\"")
require_config(${RUN}/patch "\"d_width\": 0.25" "\"balance\": 0,")
expect(${PROGRAM} 0 "" train --resume --iters 3 --threads 1 --out ${RUN}/wide_d)
require_config(${RUN}/wide_d "\"d_width\": 0.5" "\"balance\": 2,")
expect(${PROGRAM} 2 "--d-width 0.25 differs from the run's 0.5" train --resume --iters 4 --d-width 0.25 --out ${RUN}/wide_d)
expect(${PROGRAM} 2 "--balance 3 differs from the run's 2" train --resume --iters 4 --balance 3 --out ${RUN}/wide_d)
expect(${PROGRAM} 0 "" export --checkpoint ${RUN}/wide_d/checkpoint.safetensors --n 6 --out ${RUN}/wide_d_pairs)
# On --data (a mix of modalities) the recipe's minibatch standard deviation needs no balance;
# without it (--minibatch-stddev off) the recipe balances 5 modalities; --balance 0 turns that off.
expect(${PROGRAM} 0 "" train --size 64 ${common} --data ${RUN}/wide_d_pairs --out ${RUN}/on_data)
require_config(${RUN}/on_data "\"balance\": 0," "\"minibatch_stddev\": \"on\"")
expect(${PROGRAM} 0 "--balance 5: modalities of" train --size 64 ${common} --data ${RUN}/wide_d_pairs
       --minibatch-stddev off --out ${RUN}/on_data_balanced)
require_config(${RUN}/on_data_balanced "\"balance\": 5," "\"minibatch_stddev\": \"off\"")
expect(${PROGRAM} 0 "" train --size 64 ${common} --data ${RUN}/wide_d_pairs --minibatch-stddev off --balance 0
       --out ${RUN}/on_data_plain)
require_config(${RUN}/on_data_plain "\"balance\": 0,")

# 4. Refusals: exit 2 and a message naming the flag.
foreach(case "--recipe;fast;--recipe takes patch or paper" "--patch;48;--patch 48: the networks' side must be"
             "--size;32;--patch;64;--patch 64: the networks' side must be"
             "--recipe;paper;--size;64;--networks;dcgan;--width;1;--networks dcgan is built for --width 0.25"
             "--intensity;bright;--intensity takes none or stretch"
             "--smooth-mask;fuzzy;--smooth-mask takes soft or hard"
             "--mask-ambiguity;-1;--mask-ambiguity needs a number >= 0"
             "--size;64;--d-width;0.125;--d-width 0.125 is not built"
             "--recipe;paper;--size;32;--width;0.25;--d-width;0.5;a discriminator of its own width needs --networks dcgan"
             "--d-width;0.3;--d-width 0.3: use 1, 0.5, 0.25 or 0.125"
             "--balance;9;--balance 9: more modalities than the 8 training images"
             "--minibatch-stddev;maybe;--minibatch-stddev takes on or off"
             "--recipe;paper;--size;32;--width;0.25;--minibatch-stddev;on;--minibatch-stddev on needs --networks dcgan"
             "--size;64;--d-width;0.5;--minibatch-stddev;on;--minibatch-stddev on is built with a discriminator of the generator's width only")
  list(POP_BACK case message)
  expect(${PROGRAM} 2 "${message}" train ${case} ${common} --out ${RUN}/bad)
endforeach()

# 5. unet --intensity: recorded in metrics.json and the checkpoint, which evaluate follows.
expect(${UNET} 0 "" --data ${RUN}/pairs --synthetic ${RUN}/pairs --size 64 --width 0.25 --epochs 1 --batch 2
       --test-fraction 0.34 --threads 1 --intensity stretch --out ${RUN}/unet)
expect_contains(${RUN}/unet/metrics.json "\"intensity\": \"stretch\"")
expect(${UNET} 0 "3 pairs scored" evaluate --checkpoint ${RUN}/unet/checkpoint.safetensors --data ${RUN}/pairs)
expect(${UNET} 2 "--intensity takes none or stretch" --data ${RUN}/pairs --intensity dark --out ${RUN}/unet_bad)
