# Layers the compiler enforces (docs/ARCHITECTURE.md, "Layers").
#
# A layer target does not publish its source folder: its include directory is a folder of the build
# tree, layers/<target>/, holding symlinks to that layer's own folders and files only, under the
# names the code includes them by ("signalling/peer_table.hpp", "logger.hpp"). A file therefore
# sees its own layer and the layers its target links (PUBLIC links pass theirs on), and nothing
# else: `#include "transport/listener.hpp"` in a backend is "No such file or directory".
#
# The compiler also looks for `#include "x"` next to the file being compiled, which finds only that
# file's own folder: every layer has a folder of its own (server/common/, server/app/, ...), and no
# source sits at the root of server/ where it would see every folder under it (the `layers` test,
# cmake/check_includes.cmake, refuses one).
include_guard(GLOBAL)

# star_layer(<target> ROOT <dir> HEADERS <folder or file>...)
#   HEADERS: paths relative to ROOT that the target exposes, a folder with all it holds or one file.
function(star_layer target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "ROOT" "HEADERS")
  get_filename_component(root ${arg_ROOT} ABSOLUTE)
  set(dir ${CMAKE_BINARY_DIR}/layers/${target})
  file(REMOVE_RECURSE ${dir})  # nothing left over from an older layout
  foreach(entry IN LISTS arg_HEADERS)
    get_filename_component(parent ${dir}/${entry} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${root}/${entry} ${dir}/${entry} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PUBLIC ${dir})
endfunction()
