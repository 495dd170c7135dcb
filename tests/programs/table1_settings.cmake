# scripts/table1 records each job's settings beside its done-marker: run
# again with the same settings it does nothing, with other settings it redoes
# what they change (more --gan-iters continue the GAN with --resume; another
# --size redoes every job; another --test-fraction links the splits again).
# The programs are stand-ins that log their command line and leave the markers
# a real run leaves, so the test takes seconds.
#   cmake -DPYTHON=<python3> -DTABLE1=<scripts/table1> -DWORK=<folder> -P table1_settings.cmake
file(REMOVE_RECURSE ${WORK})
set(bin ${WORK}/bin)
set(calls ${bin}/calls.log)

set(fake [=[#!/bin/sh
name=$(basename "$0")
echo "$name $*" >> "$(dirname "$0")/calls.log"
out="" prev=""
for arg in "$@"; do
  [ "$prev" = "--out" ] && out="$arg"
  prev="$arg"
done
mkdir -p "$out"
case "$name $1" in
  unet*) echo '{"iou_mean_per_image": 0.5, "iou_pooled": 0.5, "iou_per_image_quartiles": {"median": 0.5},
    "real_training_images": 4, "synthetic_training_images": 2, "test_images": 1, "seconds": 1}' > "$out/metrics.json" ;;
  *" train") : > "$out/checkpoint.safetensors"; : > "$out/log.csv" ;;
  *" export") echo "image,mask" > "$out/manifest.csv" ;;
esac
]=])
foreach(program gan unet)
  file(WRITE ${WORK}/fake/${program} "${fake}")
endforeach()
file(COPY ${WORK}/fake/ DESTINATION ${bin} FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

set(csv "image_id,modality\n")
foreach(id s1 s2 s3 s4 s5 s6)
  file(MAKE_DIRECTORY ${WORK}/data/${id}/images)
  string(APPEND csv "${id},1\n")
endforeach()
file(WRITE ${WORK}/modalities.csv "${csv}")

set(calls_before 0)
# Runs the study with `args` and checks that it ran `expected` programs; the
# new command lines are in `new_calls`, the study's output in `study_output`.
function(study expected)
  execute_process(COMMAND ${PYTHON} ${TABLE1} --data ${WORK}/data --modalities ${WORK}/modalities.csv
                          --out ${WORK}/study --bin ${bin} --methods none,gan --seeds 1 --fractions 1
                          --n-synthetic 2 ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "scripts/table1 ${ARGN} exited with ${rc}:\n${out}${err}")
  endif()
  set(lines "")
  if(EXISTS ${calls})
    file(STRINGS ${calls} lines)
  endif()
  list(LENGTH lines count)
  math(EXPR ran "${count} - ${calls_before}")
  set(new "")
  if(ran GREATER 0)
    list(SUBLIST lines ${calls_before} ${ran} new)
  endif()
  if(NOT ran EQUAL expected)
    string(REPLACE ";" "\n" shown "${new}")
    message(FATAL_ERROR "scripts/table1 ${ARGN} ran ${ran} programs, expected ${expected}:\n${shown}\n${out}")
  endif()
  set(calls_before ${count} PARENT_SCOPE)
  set(new_calls "${new}" PARENT_SCOPE)
  set(study_output "${out}" PARENT_SCOPE)
endfunction()

# First: the GAN (train, export) and the U-Nets without and with its pairs.
study(4 --gan-iters 2 --size 32)
if(NOT new_calls MATCHES "gan train [^;]*--iters 2 [^;]*--overwrite")
  message(FATAL_ERROR "no first GAN training:\n${new_calls}")
endif()

# The same settings: everything is done.
study(0 --gan-iters 2 --size 32)

# More GAN steps: the GAN continues (--resume), then its pairs and the U-Net on them are redone;
# the U-Net on real data alone stays.
study(3 --gan-iters 3 --size 32)
if(NOT new_calls MATCHES "gan train [^;]*--iters 3 [^;]*--resume" OR NOT new_calls MATCHES "gan export"
   OR NOT new_calls MATCHES "unet [^;]*--synthetic [^;]*synthetic/m1/f100/seed0/gan")
  message(FATAL_ERROR "more --gan-iters did not continue the GAN and redo its pairs and U-Net:\n${new_calls}")
endif()
if(NOT study_output MATCHES "exported with other settings")
  message(FATAL_ERROR "no message that the pairs are redone:\n${study_output}")
endif()

# Another size: every job again, the GAN anew.
study(4 --gan-iters 3 --size 48)
if(NOT new_calls MATCHES "gan train [^;]*--size 48 [^;]*--overwrite")
  message(FATAL_ERROR "another --size did not train the GAN anew:\n${new_calls}")
endif()
if(NOT study_output MATCHES "trained with other settings \\([^)]*size 32 -> 48")
  message(FATAL_ERROR "no message naming the changed setting:\n${study_output}")
endif()

# Another test share: the splits are linked again and every job redone.
study(4 --gan-iters 3 --size 48 --test-fraction 0.4)
if(NOT study_output MATCHES "links other samples than these settings choose")
  message(FATAL_ERROR "the splits were not linked again:\n${study_output}")
endif()
file(GLOB test_split RELATIVE ${WORK}/study/splits/m1/seed0/test ${WORK}/study/splits/m1/seed0/test/*)
list(LENGTH test_split n_test)
if(NOT n_test EQUAL 2)
  message(FATAL_ERROR "the test split has ${n_test} images, --test-fraction 0.4 of 6 is 2")
endif()
study(0 --gan-iters 3 --size 48 --test-fraction 0.4)
foreach(job gan/m1/f100/seed0/gan synthetic/m1/f100/seed0/gan unet/m1/f100/seed0/none unet/m1/f100/seed0/gan)
  if(NOT EXISTS ${WORK}/study/${job}/table1-job.json)
    message(FATAL_ERROR "${job} has no recorded settings (table1-job.json)")
  endif()
endforeach()
