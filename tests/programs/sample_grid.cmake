# `sample` writes its grid: a PNG file (the 8-byte signature, then the IHDR
# chunk) of a real image's size, not an empty or truncated file.
#   cmake -DPROGRAM=<gan program> -DCHECKPOINT=<its checkpoint> -DGRID=<grid.png> -P sample_grid.cmake
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE ${GRID})  # a grid left by an earlier run must not pass for this one's
expect(${PROGRAM} 0 "wrote 4 samples to" sample --checkpoint ${CHECKPOINT} --n 4 --out ${GRID})
if(NOT EXISTS ${GRID})
  message(FATAL_ERROR "sample exited 0 but wrote no ${GRID}:\n${out}")
endif()
file(READ ${GRID} head LIMIT 16 HEX)
if(NOT head STREQUAL "89504e470d0a1a0a0000000d49484452")
  message(FATAL_ERROR "${GRID} is not a PNG (first bytes ${head})")
endif()
file(SIZE ${GRID} bytes)
if(bytes LESS 1000)
  message(FATAL_ERROR "${GRID} has ${bytes} bytes, too few for a grid of 4 samples")
endif()
