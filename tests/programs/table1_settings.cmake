# scripts/table1 records each job's settings beside its done-marker: run
# again with the same settings it does nothing, with other settings it redoes
# what they change (more --gan-iters continue the GAN with --resume; another
# --size redoes every job; another --test-fraction links the splits again),
# and the tables it writes hold the redone runs' results, not stale ones. Then
# the job-array flags: --list-jobs numbers the cells and runs nothing,
# --prepare-only links the splits and trains nothing, --job N runs cell N alone
# (and refuses an N past the last), --report-only writes the tables.
# The programs are stand-ins that log their command line and leave the markers
# a real run leaves, so the test takes seconds; the stand-in U-Net's IoU spells
# out what it was given, so a table shows which runs it came from.
#   cmake -DPYTHON=<python3> -DTABLE1=<scripts/table1> -DWORK=<folder> -P table1_settings.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${WORK})
set(bin ${WORK}/bin)
set(calls ${bin}/calls.log)

set(fake [=[#!/bin/sh
name=$(basename "$0")
echo "$name $*" >> "$(dirname "$0")/calls.log"
out="" prev="" size="" iters="" checkpoint="" synthetic="" test=""
for arg in "$@"; do
  case "$prev" in
    --out) out="$arg" ;;
    --size) size="$arg" ;;
    --iters) iters="$arg" ;;
    --checkpoint) checkpoint="$arg" ;;
    --synthetic) synthetic="$arg" ;;
    --test-data) test="$arg" ;;
  esac
  prev="$arg"
done
mkdir -p "$out"
case "$name $1" in
  # The IoU 0.<size><steps of the GAN behind the pairs, 0 without><test images>, e.g. 0.3221.
  unet*) steps=0
    [ -n "$synthetic" ] && steps=$(sed -n 2p "$synthetic/manifest.csv")
    iou="0.$size$steps$(ls "$test" | wc -l | tr -d ' ')"
    echo "{\"iou_mean_per_image\": $iou, \"iou_pooled\": $iou, \"iou_per_image_quartiles\": {\"median\": $iou},
    \"real_training_images\": 4, \"synthetic_training_images\": 2, \"test_images\": 1, \"seconds\": 1}" > "$out/metrics.json" ;;
  # The checkpoint holds its step count, the pairs the step count of the checkpoint they come from.
  *" train") echo "$iters" > "$out/checkpoint.safetensors"; : > "$out/log.csv" ;;
  *" export") { echo "image,mask"; cat "$checkpoint"; } > "$out/manifest.csv" ;;
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
set(study_dir ${WORK}/study)
# Runs the study in the folder `study_dir` with `args` and checks that it exits
# with `study_status` (0 unless set) and ran `expected` programs; the new
# command lines are in `new_calls`, the study's output in `study_output`.
function(study expected)
  if(NOT DEFINED study_status)
    set(study_status 0)
  endif()
  execute_process(COMMAND ${PYTHON} ${TABLE1} --data ${WORK}/data --modalities ${WORK}/modalities.csv
                          --out ${study_dir} --bin ${bin} --methods none,gan --seeds 1 --fractions 1
                          --n-synthetic 2 ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL study_status)
    message(FATAL_ERROR "scripts/table1 ${ARGN} exited with ${rc}, expected ${study_status}:\n${out}${err}")
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
  set(study_output "${out}${err}" PARENT_SCOPE)
endfunction()

# The IoU of each method in the tables the study wrote: table1.csv (a row per
# run) and table1_summary.csv (the mean over seeds, here one), both as the
# stand-in U-Net wrote it; `expected` is "none;<IoU>;gan;<IoU>".
function(expect_table expected)
  foreach(table table1.csv table1_summary.csv)
    if(NOT EXISTS ${study_dir}/${table})
      message(FATAL_ERROR "scripts/table1 wrote no ${study_dir}/${table}")
    endif()
    file(STRINGS ${study_dir}/${table} rows)
    list(LENGTH rows count)
    if(NOT count EQUAL 3)
      string(REPLACE ";" "\n" rows "${rows}")
      message(FATAL_ERROR "${table} has ${count} lines, expected a header and a row per method:\n${rows}")
    endif()
    set(pairs ${expected})
    while(pairs)
      list(POP_FRONT pairs method iou)
      # table1.csv: modality,fraction,seed,method,iou,...; table1_summary.csv: modality,fraction,method,seeds,iou_mean,...
      if(table STREQUAL "table1.csv")
        set(row_pattern "^1,1.0,0,${method},([^,]*),")
      else()
        set(row_pattern "^1,1.0,${method},1,([^,]*),")
      endif()
      set(found "")
      foreach(row IN LISTS rows)
        if(row MATCHES "${row_pattern}")
          set(found ${CMAKE_MATCH_1})
        endif()
      endforeach()
      if(NOT found EQUAL iou)
        string(REPLACE ";" "\n" rows "${rows}")
        message(FATAL_ERROR "${table}: ${method} has IoU '${found}', expected ${iou} (the runs of these settings):\n${rows}")
      endif()
    endwhile()
  endforeach()
endfunction()

# First: the GAN (train, export) and the U-Nets without and with its pairs.
study(4 --gan-iters 2 --size 32)
if(NOT new_calls MATCHES "gan train [^;]*--iters 2 [^;]*--overwrite")
  message(FATAL_ERROR "no first GAN training:\n${new_calls}")
endif()
# IoU 0.<size><GAN steps><test images> (the stand-in's): one test image of 6 at --test-fraction 0.2.
expect_table("none;0.3201;gan;0.3221")

# The same settings: everything is done.
study(0 --gan-iters 2 --size 32)
expect_table("none;0.3201;gan;0.3221")

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
expect_table("none;0.3201;gan;0.3231")
expect_contains(${study_dir}/table1.md "| GAN | 0.323 ± 0.000 (n=1)" "| no GAN augmentation | 0.320 ± 0.000 (n=1)"
                "Settings: size 32, GAN width 0.25, 3 GAN steps")

# Another size: every job again, the GAN anew.
study(4 --gan-iters 3 --size 48)
if(NOT new_calls MATCHES "gan train [^;]*--size 48 [^;]*--overwrite")
  message(FATAL_ERROR "another --size did not train the GAN anew:\n${new_calls}")
endif()
if(NOT study_output MATCHES "trained with other settings \\([^)]*size 32 -> 48")
  message(FATAL_ERROR "no message naming the changed setting:\n${study_output}")
endif()
expect_table("none;0.4801;gan;0.4831")

# Another test share: the splits are linked again and every job redone.
study(4 --gan-iters 3 --size 48 --test-fraction 0.4)
if(NOT study_output MATCHES "links other samples than these settings choose")
  message(FATAL_ERROR "the splits were not linked again:\n${study_output}")
endif()
file(GLOB test_split RELATIVE ${study_dir}/splits/m1/seed0/test ${study_dir}/splits/m1/seed0/test/*)
list(LENGTH test_split n_test)
if(NOT n_test EQUAL 2)
  message(FATAL_ERROR "the test split has ${n_test} images, --test-fraction 0.4 of 6 is 2")
endif()
expect_table("none;0.4802;gan;0.4832")
study(0 --gan-iters 3 --size 48 --test-fraction 0.4)
foreach(job gan/m1/f100/seed0/gan synthetic/m1/f100/seed0/gan unet/m1/f100/seed0/none unet/m1/f100/seed0/gan)
  if(NOT EXISTS ${study_dir}/${job}/table1-job.json)
    message(FATAL_ERROR "${job} has no recorded settings (table1-job.json)")
  endif()
endforeach()

# The job array (docs/cluster.md), in a study of its own.
set(study_dir ${WORK}/array)
set(array_settings --gan-iters 2 --size 32)
# --list-jobs: the cells numbered from 0, one a line, and nothing run or made.
study(0 ${array_settings} --list-jobs)
if(NOT study_output STREQUAL "0 modality 1, 100% of the real data, seed 0, none\n1 modality 1, 100% of the real data, seed 0, gan\n")
  message(FATAL_ERROR "--list-jobs printed:\n${study_output}")
endif()
if(EXISTS ${study_dir})
  message(FATAL_ERROR "--list-jobs made ${study_dir}")
endif()
# --prepare-only: every split, no program run, no table.
study(0 ${array_settings} --prepare-only)
file(GLOB test_split RELATIVE ${study_dir}/splits/m1/seed0/test ${study_dir}/splits/m1/seed0/test/*)
file(GLOB train_split RELATIVE ${study_dir}/splits/m1/seed0/train_100 ${study_dir}/splits/m1/seed0/train_100/*)
list(LENGTH test_split n_test)
list(LENGTH train_split n_train)
if(NOT n_test EQUAL 1 OR NOT n_train EQUAL 5)
  message(FATAL_ERROR "--prepare-only linked ${n_test} test and ${n_train} training images, expected 1 and 5")
endif()
foreach(made gan synthetic unet table1.csv)
  if(EXISTS ${study_dir}/${made})
    message(FATAL_ERROR "--prepare-only made ${study_dir}/${made}")
  endif()
endforeach()
# --job 1 (gan): its GAN, its pairs and its U-Net alone; no table (the report is --report-only's).
study(3 ${array_settings} --job 1)
if(NOT new_calls MATCHES "^gan train [^;]*;gan export [^;]*;unet [^;]*--synthetic [^;]*synthetic/m1/f100/seed0/gan")
  message(FATAL_ERROR "--job 1 did not run the GAN cell:\n${new_calls}")
endif()
if(EXISTS ${study_dir}/unet/m1/f100/seed0/none OR EXISTS ${study_dir}/table1.csv)
  message(FATAL_ERROR "--job 1 ran another cell's U-Net or wrote the table")
endif()
study(0 ${array_settings} --job 1)  # done: a task run again does nothing
study(1 ${array_settings} --job 0)
if(NOT new_calls MATCHES "^unet " OR new_calls MATCHES "--synthetic")
  message(FATAL_ERROR "--job 0 did not run the U-Net on real data alone:\n${new_calls}")
endif()
set(study_status 1)
study(0 ${array_settings} --job 2)
unset(study_status)
if(NOT study_output MATCHES "--job 2: the study has 2 jobs \\(0\\.\\.1\\)")
  message(FATAL_ERROR "--job 2 of 2 jobs was not refused with a message:\n${study_output}")
endif()
# --report-only: the tables of the finished cells, nothing run.
study(0 ${array_settings} --report-only)
expect_table("none;0.3201;gan;0.3221")
