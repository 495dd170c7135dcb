# The library's layering, held by a check: every #include "isinggan/<dir>/..."
# in include/isinggan/<from>/ must go to a directory <from> may use, and no
# header includes the examples or climbs out of include/ with "../".
#
#   core      the tensor, shapes, errors, random numbers, the image raster, progress
#   backend   ops::X(cpu{}, ...) / ops::X(cuda{}, ...) kernels          <- core
#   init, layers, losses, optim                                         <- core, backend
#   models    networks built from layers (weights read through io)      <- core, backend, init, layers, io
#   data      preprocessing, augmentation, modalities                    <- core
#   io        files: PNG, datasets, safetensors, checkpoints, .npy/.npz  <- core, data
#   metrics   IoU, FID, KID, pair statistics                             <- core, io, models
#   distributed  data parallelism: gradient all-reduce, MPI, NCCL         <- core, backend
#   train     the trainers                                                <- everything above
#   testing   checks users run on their own layers                       <- core, backend, layers
# io and data are thus not mutually dependent (io reads files into data's
# types; data needs no file). The umbrella headers (isinggan.hpp, io.hpp,
# layers.hpp) may include anything.
#
#   cmake -DROOT=<source root> -P check_includes.cmake
# (-DMINIMUM=N: fail unless at least N headers are found; default 50, so
# that a moved tree is not silently "clean".)
cmake_minimum_required(VERSION 3.16)
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source root> -P check_includes.cmake")
endif()
set(lib ${ROOT}/include/isinggan)
if(NOT DEFINED MINIMUM)
  set(MINIMUM 50)
endif()

set(uses_core core)
set(uses_backend core backend)
set(uses_init core backend init)
set(uses_layers core backend layers)
set(uses_losses core backend losses)
set(uses_optim core backend optim)
set(uses_models core backend init layers io models)
set(uses_data core data)
set(uses_io core data io)
set(uses_metrics core io models metrics)
set(uses_distributed core backend distributed)
set(uses_train core backend init layers losses optim models data io metrics distributed train)
set(uses_testing core backend layers testing)

# Includes against the table that are tolerated for a while, each named as
# "header:included header" (none today: the option and policy types both
# backends take live in core/). Adding to this list needs a reason written
# beside it.
set(pending)

file(GLOB_RECURSE headers RELATIVE ${lib} ${lib}/*.hpp ${lib}/*.cuh ${lib}/*.h)
set(violations "")
set(checked 0)
set(pending_seen "")
foreach(header IN LISTS headers)
  file(STRINGS ${lib}/${header} includes REGEX "^[ \t]*#[ \t]*include")
  string(FIND "${header}" "/" slash)
  set(from "")
  if(slash GREATER 0)
    string(SUBSTRING "${header}" 0 ${slash} from)
    if(NOT DEFINED uses_${from})
      list(APPEND violations "${header}: directory '${from}' has no row in the layering table (tests/layering/check_includes.cmake)")
    endif()
  endif()
  foreach(line IN LISTS includes)
    math(EXPR checked "${checked} + 1")
    if(line MATCHES "examples/" OR line MATCHES "\\.\\./")
      list(APPEND violations "${header}: ${line}: the library must not include the examples or climb out of include/")
      continue()
    endif()
    if(from STREQUAL "" OR NOT line MATCHES "[\"<]isinggan/([a-z_]+)/([^\">]+)[\">]")
      continue()
    endif()
    set(to ${CMAKE_MATCH_1})
    set(target "${CMAKE_MATCH_1}/${CMAKE_MATCH_2}")
    if(to IN_LIST uses_${from})
      continue()
    endif()
    if("${header}:${target}" IN_LIST pending)
      list(APPEND pending_seen "${header}:${target}")
      continue()
    endif()
    list(APPEND violations "${header}: includes ${target}, but ${from}/ may use only: ${uses_${from}}")
  endforeach()
endforeach()

# A pending entry that no longer occurs is removed from the list, so the list shrinks for good.
foreach(entry IN LISTS pending)
  string(REGEX REPLACE ":.*" "" entry_header "${entry}")
  if(EXISTS ${lib}/${entry_header} AND NOT entry IN_LIST pending_seen)
    list(APPEND violations "${entry}: listed as pending but no longer included: remove it from the list")
  endif()
endforeach()

list(LENGTH headers header_count)
if(header_count LESS MINIMUM)
  message(FATAL_ERROR "check_includes: only ${header_count} headers and ${checked} includes found under ${lib}")
endif()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "Includes against the layering of include/isinggan:\n  ${text}")
endif()
list(LENGTH pending pending_count)
message(STATUS "check_includes: ${checked} includes of ${header_count} headers follow the layering "
               "(${pending_count} pending)")
