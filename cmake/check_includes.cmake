# What the layer targets cannot refuse by themselves (docs/ARCHITECTURE.md, "Layers"), since the
# compiler finds a quoted include next to the including file whatever the target's include
# directories say:
# - an include that climbs out of its folder ("../transport/x.hpp"). None is needed, so none is
#   allowed;
# - a C++ file at the root of server/, which would see every layer's folder beside it. Every file
#   lives in its layer's folder (server/common/, server/app/, ...).
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
file(GLOB loose RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/server/*.cpp ${SOURCE_DIR}/server/*.hpp
                                       ${SOURCE_DIR}/server/*.h ${SOURCE_DIR}/server/*.cc)
if(loose)
  list(JOIN loose "\n  " loose)
  message(FATAL_ERROR "C++ files at the root of server/ see every layer's folder; "
                      "move them into their layer's folder (server/common/, server/app/, ...):\n  ${loose}")
endif()
message(STATUS "${count} files, no include climbs out of its folder, none at the root of server/")
