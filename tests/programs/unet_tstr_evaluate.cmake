# TSTR and consistency with the unet program, as a user runs them:
#  - `unet --fraction 0 --synthetic PAIRS` trains on the generated pairs alone
#    and is scored on the same held-out real images as a run on real pairs;
#  - `unet evaluate --checkpoint CK --data PAIRS` scores a folder of pairs with
#    a trained U-Net (size and width read from CK) and writes evaluation.json;
#  - evaluate refuses a GAN checkpoint and a missing --data with a message.
#   cmake -DUNET=<unet> -DPAIRS=<exported pairs> -DGAN_CK=<a GAN checkpoint> -DRUN=<folder> -P unet_tstr_evaluate.cmake
file(REMOVE_RECURSE ${RUN})
set(common --size 32 --width 0.25 --epochs 1 --batch 4 --threads 1 --synthetic-count 20 --test-fraction 0.25)
execute_process(COMMAND ${UNET} ${common} --fraction 0 --synthetic ${PAIRS} --out ${RUN}/tstr
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "unet --fraction 0 exited with ${rc}:\n${out}${err}")
endif()
file(READ ${RUN}/tstr/metrics.json tstr)
foreach(expected "\"real_training_images\": 0," "\"synthetic_training_images\": 24," "\"test_images\": 5,")
  string(FIND "${tstr}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "metrics.json of the TSTR run lacks ${expected}:\n${tstr}")
  endif()
endforeach()
# The same test images as a run on the real pairs.
execute_process(COMMAND ${UNET} ${common} --out ${RUN}/real RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "unet on the real pairs exited with ${rc}:\n${out}${err}")
endif()
foreach(run tstr real)
  file(STRINGS ${RUN}/${run}/per_image_iou.csv rows)
  set(ids_${run} "")
  foreach(row IN LISTS rows)
    string(REGEX REPLACE ",.*" "" id "${row}")
    list(APPEND ids_${run} ${id})
  endforeach()
endforeach()
if(NOT ids_tstr STREQUAL ids_real)
  message(FATAL_ERROR "the TSTR run was tested on other images:\n${ids_tstr}\nvs\n${ids_real}")
endif()
execute_process(COMMAND ${UNET} ${common} --fraction 0 --out ${RUN}/none RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--fraction 0 trains on --synthetic pairs alone")
  message(FATAL_ERROR "--fraction 0 without --synthetic: exit ${rc}, expected 2 with a message:\n${err}")
endif()

# Consistency: the TSTR network scores the pairs it was trained on.
execute_process(COMMAND ${UNET} evaluate --checkpoint ${RUN}/tstr/checkpoint.safetensors --data ${PAIRS}
                        --out ${RUN}/consistency --threads 1
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "24 pairs scored by .*IoU pooled: [0-9.]+  mean per image: [0-9.]+")
  message(FATAL_ERROR "unet evaluate exited with ${rc}:\n${out}${err}")
endif()
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
execute_process(COMMAND ${UNET} evaluate --checkpoint ${GAN_CK} --data ${PAIRS} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "is a checkpoint of ising_resgan, not of unet")
  message(FATAL_ERROR "evaluate of a GAN checkpoint: exit ${rc}, expected 1 with a message:\n${err}")
endif()
execute_process(COMMAND ${UNET} evaluate --checkpoint ${RUN}/tstr/checkpoint.safetensors RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "evaluate needs --checkpoint CK and --data DIR")
  message(FATAL_ERROR "evaluate without --data: exit ${rc}, expected 2 with a message:\n${err}")
endif()
