# fid on folders, on .npz statistics and as `fid table`, with an Inception of
# random weights (`fid init-weights`): a folder of exported pairs counts its
# images/ and skips its masks/, so its FID to its own images/ folder is 0; its
# saved statistics (.npz) are a set at distance 0 from it too; another GAN's
# set is not; the table counts the real and generated images (masks not
# counted) and writes the real set's statistics. Missing weights and bad
# arguments are refused.
#   cmake -DFID=<fid> -DPAIRS=<exported pairs> -DOTHER=<other exported pairs> -DRUN=<folder> -P fid_sets.cmake
cmake_policy(SET CMP0007 NEW)  # lists keep empty elements (the CSV's empty cells)
include(${CMAKE_CURRENT_LIST_DIR}/program_test.cmake)
file(REMOVE_RECURSE ${RUN})
# Four pairs of each GAN (the Inception takes about half a second an image on one core).
set(n_images 4)
foreach(set "a;${PAIRS}" "b;${OTHER}")
  list(GET set 0 name)
  list(GET set 1 source)
  file(GLOB images ${source}/images/*.png)
  list(SUBLIST images 0 ${n_images} images)
  foreach(image IN LISTS images)
    get_filename_component(file ${image} NAME)
    file(COPY ${image} DESTINATION ${RUN}/${name}/images)
    file(COPY ${source}/masks/${file} DESTINATION ${RUN}/${name}/masks)
  endforeach()
endforeach()
set(PAIRS ${RUN}/a)
set(OTHER ${RUN}/b)
set(weights ${RUN}/random_inception.safetensors)
expect(${FID} 0 "wrote [0-9]+ random Inception weights \\(seed 3\\)" init-weights --out ${weights} --seed 3)

# A distance as a number, checked against a bound: "below" or "above".
function(expect_distance text relation bound)
  if(relation STREQUAL "below" AND NOT text LESS bound)
    message(FATAL_ERROR "FID ${text}, expected below ${bound}")
  elseif(relation STREQUAL "above" AND NOT text GREATER bound)
    message(FATAL_ERROR "FID ${text}, expected above ${bound}")
  endif()
endfunction()

# 1. The pairs folder against its own images: masks/ skipped, the same images. Two
#    folders also give the KID (whole sets of 4: one estimate).
expect(${FID} 0 "FID: ([-0-9.e]+)\nKID: [-0-9.e]+ ± 0.000000 \\(1 subset of ${n_images}\\)"
       ${PAIRS} ${PAIRS}/images --weights ${weights} --threads 1)
expect_distance(${match} below 0.001)

# 2. Saved statistics stand in for the folder (in the table below).
expect(${FID} 0 "statistics of .* written to" ${PAIRS} --weights ${weights} --save-stats ${RUN}/pairs.npz --threads 1)

# 3. fid table: the pairs folder as the dataset (flat layout), all of it modality 1; the same
#    images, their saved statistics and another GAN's pairs as the generated sets.
set(csv "image_id,modality\n")
file(GLOB images ${PAIRS}/images/*.png)
foreach(image IN LISTS images)
  get_filename_component(id ${image} NAME_WE)
  string(APPEND csv "${id},1\n")
endforeach()
file(WRITE ${RUN}/modalities.csv "${csv}")
expect(${FID} 0 "self, modality 1: FID" table --weights ${weights} --data ${PAIRS} --modalities ${RUN}/modalities.csv
       --out ${RUN}/table --fake self:1=${PAIRS} --fake saved:1=${RUN}/pairs.npz --fake other:1=${OTHER} --threads 1)
# Image counts without the masks; a .npz does not say how many images it came from.
expect_contains(${RUN}/table/table2.csv "model,modality,real_images,generated_images,fid,kid,kid_std\n"
                "\nself,1,${n_images},${n_images}," "\nsaved,1,${n_images},," "\nother,1,${n_images},${n_images},")
# The same images and their statistics are at distance 0; another GAN's pairs are another set.
foreach(case "self;below" "saved;below" "other;above")
  list(GET case 0 model)
  list(GET case 1 relation)
  file(STRINGS ${RUN}/table/table2.csv row REGEX "^${model},")
  string(REPLACE "," ";" row "${row}")
  list(GET row 4 distance)
  expect_distance(${distance} ${relation} 0.001)
endforeach()
expect_contains(${RUN}/table/table2.md "| self |" "| saved |" "| other |" "fewer than 2048 images" "KID (unbiased")
# The KID: empty for the .npz, larger for another GAN's pairs than for the same images.
file(STRINGS ${RUN}/table/table2.csv saved_row REGEX "^saved,")
if(NOT saved_row MATCHES ",,$")
  message(FATAL_ERROR "the .npz row has a KID: ${saved_row}")
endif()
foreach(model self other)
  file(STRINGS ${RUN}/table/table2.csv row REGEX "^${model},")
  string(REPLACE "," ";" row "${row}")
  list(GET row 5 kid_${model})
endforeach()
if(NOT kid_other GREATER kid_self)
  message(FATAL_ERROR "KID of another GAN's pairs ${kid_other} is not above that of the same images ${kid_self}")
endif()
if(NOT EXISTS ${RUN}/table/real_modality_1.npz)
  message(FATAL_ERROR "fid table did not write the real set's statistics")
endif()

# 4. Refusals.
expect(${FID} 1 "Inception weights not found" ${PAIRS} ${OTHER} --weights ${RUN}/absent.safetensors)
expect(${FID} 2 "needs --data, --modalities, --out and at least one --fake" table --weights ${weights} --out ${RUN}/t2)
expect(${FID} 2 "fid init-weights needs --out FILE" init-weights --seed 1)
expect(${FID} 2 "expected two paths" ${PAIRS} --weights ${weights})
