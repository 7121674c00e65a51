# The one wrong include the layer targets cannot refuse (docs/ARCHITECTURE.md, "Layers"): a quoted
# include that climbs out of its folder ("../transport/x.hpp") is found next to the including file,
# whatever the target's include directories say. None is needed, so none is allowed.
# cmake -DSOURCE_DIR=<repository> -P check_includes.cmake (the CTest test `layers`).
file(GLOB_RECURSE files ${SOURCE_DIR}/server/*.cpp ${SOURCE_DIR}/server/*.hpp
                        ${SOURCE_DIR}/protocol/*.cpp ${SOURCE_DIR}/protocol/*.hpp)
set(climbing "")
foreach(file IN LISTS files)
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<][^\">]*\\.\\./")
  foreach(line IN LISTS lines)
    file(RELATIVE_PATH name ${SOURCE_DIR} ${file})
    string(APPEND climbing "\n  ${name}: ${line}")
  endforeach()
endforeach()
list(LENGTH files count)
if(climbing)
  message(FATAL_ERROR "includes that climb out of their layer's folder (include by the layer's name instead):"
                      "${climbing}")
endif()
message(STATUS "${count} files, no include climbs out of its folder")
