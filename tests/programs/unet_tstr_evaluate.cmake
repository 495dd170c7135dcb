# TSTR and consistency with the unet program, as a user runs them:
#  - `unet --fraction 0 --synthetic PAIRS` trains on the generated pairs alone
#    and is scored on the same held-out real images as a run on real pairs;
#  - `unet evaluate --checkpoint CK --data PAIRS` scores a folder of pairs with
#    a trained U-Net (size and width read from CK) and writes evaluation.json;
#  - evaluate refuses a GAN checkpoint and a missing --data with a message.
#   cmake -DUNET=<unet> -DPAIRS=<exported pairs> -DGAN_CK=<a GAN checkpoint> -DRUN=<folder> -P unet_tstr_evaluate.cmake
cmake_policy(SET CMP0057 NEW)  # if(... IN_LIST ...)
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})
set(common --size 32 --width 0.25 --epochs 1 --batch 4 --threads 1 --synthetic-count 20 --test-fraction 0.25)
expect(${UNET} 0 "" ${common} --fraction 0 --synthetic ${PAIRS} --out ${RUN}/tstr)
expect_contains(${RUN}/tstr/metrics.json "\"real_training_images\": 0," "\"synthetic_training_images\": 24,"
                "\"test_images\": 5,")
# The same test images as a run on the real pairs.
expect(${UNET} 0 "" ${common} --out ${RUN}/real)
# The first column of a CSV file, without its header.
function(csv_ids file out)
  file(STRINGS ${file} rows)
  list(POP_FRONT rows header)
  set(ids "")
  foreach(row IN LISTS rows)
    string(REGEX REPLACE ",.*" "" id "${row}")
    list(APPEND ids ${id})
  endforeach()
  set(${out} "${ids}" PARENT_SCOPE)
endfunction()
csv_ids(${RUN}/tstr/per_image_iou.csv ids_tstr)
csv_ids(${RUN}/real/per_image_iou.csv ids_real)
list(LENGTH ids_real tested)
if(NOT tested EQUAL 5)
  message(FATAL_ERROR "per_image_iou.csv lists ${tested} test images, expected 5: ${ids_real}")
endif()
if(NOT ids_tstr STREQUAL ids_real)
  message(FATAL_ERROR "the TSTR run was tested on other images:\n${ids_tstr}\nvs\n${ids_real}")
endif()
# The split: half the real training images plus the generated pairs. The test
# images stay the same, none of them is trained on, and the generated pairs
# join the training set only (training_images.csv lists what was trained on).
expect(${UNET} 0 "" ${common} --fraction 0.5 --synthetic ${PAIRS} --out ${RUN}/half)
csv_ids(${RUN}/half/per_image_iou.csv ids_half)
if(NOT ids_half STREQUAL ids_real)
  message(FATAL_ERROR "--fraction 0.5 was tested on other images:\n${ids_half}\nvs\n${ids_real}")
endif()
file(GLOB generated RELATIVE ${PAIRS}/images ${PAIRS}/images/*.png)
string(REPLACE ".png" "" generated "${generated}")
file(STRINGS ${RUN}/half/training_images.csv rows)
list(POP_FRONT rows header)
set(real_count 0)
set(synthetic_count 0)
foreach(row IN LISTS rows)
  string(REGEX REPLACE ",.*" "" id "${row}")
  string(REGEX REPLACE ".*," "" source "${row}")
  if(id IN_LIST ids_real)
    message(FATAL_ERROR "${id} is both trained and tested on")
  endif()
  if(id IN_LIST generated AND NOT source STREQUAL "synthetic")
    message(FATAL_ERROR "the generated pair ${id} is listed as ${source}")
  endif()
  if(source STREQUAL "synthetic")
    math(EXPR synthetic_count "${synthetic_count} + 1")
  else()
    math(EXPR real_count "${real_count} + 1")
  endif()
endforeach()
# 20 images: 5 tested, half of the other 15 (rounded) trained on, plus the 24 generated pairs.
if(NOT real_count EQUAL 8 OR NOT synthetic_count EQUAL 24)
  message(FATAL_ERROR "trained on ${real_count} real and ${synthetic_count} generated pairs, expected 8 and 24")
endif()
# metrics.json agrees with training_images.csv.
expect_contains(${RUN}/half/metrics.json "\"real_training_images\": 8," "\"synthetic_training_images\": 24,")

expect(${UNET} 2 "--fraction 0 trains on --synthetic pairs alone" ${common} --fraction 0 --out ${RUN}/none)

# Consistency: the TSTR network scores the pairs it was trained on.
expect(${UNET} 0 "24 pairs scored by .*IoU pooled: [0-9.]+  mean per image: [0-9.]+"
       evaluate --checkpoint ${RUN}/tstr/checkpoint.safetensors --data ${PAIRS} --out ${RUN}/consistency --threads 1)
file(READ ${RUN}/consistency/evaluation.json ev)
if(NOT ev MATCHES "\"iou_pooled\": (0|1|0\\.[0-9]+|[0-9.]+e-[0-9]+),"
   OR NOT ev MATCHES "\"pairs\": 24," OR NOT ev MATCHES "\"size\": 32," OR NOT ev MATCHES "\"width\": 0.25")
  message(FATAL_ERROR "unexpected evaluation.json:\n${ev}")
endif()
file(STRINGS ${RUN}/consistency/evaluation_per_image.csv per_image)
list(LENGTH per_image lines)
if(NOT lines EQUAL 25)
  message(FATAL_ERROR "evaluation_per_image.csv has ${lines} lines, expected 25")
endif()
expect(${UNET} 1 "is a checkpoint of ising_resgan, not of unet" evaluate --checkpoint ${GAN_CK} --data ${PAIRS})
expect(${UNET} 2 "evaluate needs --checkpoint CK and --data DIR" evaluate --checkpoint ${RUN}/tstr/checkpoint.safetensors)
