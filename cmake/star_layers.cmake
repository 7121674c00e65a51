# Layers the compiler enforces (docs/ARCHITECTURE.md, "Layers").
#
# A layer target does not publish its source folder: its include directory is a folder of the build
# tree, layers/<target>/, holding symlinks to that layer's own folders and files only, under the
# names the code includes them by ("signalling/peer_table.hpp", "logger.hpp"). A file therefore
# sees its own layer and the layers its target links (PUBLIC links pass theirs on), and nothing
# else: `#include "transport/listener.hpp"` in a backend is "No such file or directory".
#
# The compiler also looks for `#include "x"` next to the file being compiled. For a file in a
# layer folder (server/transport/x.cpp) that finds only that folder's own files; for a file at the
# root of server/ it would find every folder under it. Such files are compiled through a symlink in
# their layer's folder instead (SOURCES), so that they see what their layer sees and no more.
include_guard(GLOBAL)

# star_layer(<target> ROOT <dir> [HEADERS <folder or file>...] [SOURCES <file>...])
#   HEADERS: paths relative to ROOT that the target exposes, a folder with all it holds or one file.
#   SOURCES: files at ROOT compiled through a symlink next to those headers (see above).
function(star_layer target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "ROOT" "HEADERS;SOURCES")
  get_filename_component(root ${arg_ROOT} ABSOLUTE)
  set(dir ${CMAKE_BINARY_DIR}/layers/${target})
  file(REMOVE_RECURSE ${dir})  # nothing left over from an older layout
  foreach(entry IN LISTS arg_HEADERS arg_SOURCES)
    get_filename_component(parent ${dir}/${entry} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${root}/${entry} ${dir}/${entry} SYMBOLIC)
  endforeach()
  foreach(source IN LISTS arg_SOURCES)
    target_sources(${target} PRIVATE ${dir}/${source})
  endforeach()
  target_include_directories(${target} PUBLIC ${dir})
  # Once every source is known (end of the configure step): none may sit at ROOT itself.
  set_property(TARGET ${target} PROPERTY STAR_LAYER_ROOT ${root})
  # (EVAL: a deferred call's arguments are read when it runs, so the name goes in as a literal.)
  cmake_language(EVAL CODE
    "cmake_language(DEFER DIRECTORY [[${CMAKE_SOURCE_DIR}]] CALL star_check_layer_sources [[${target}]])")
endfunction()

# A source file at ROOT listed as a plain source would see every folder beside it: the one hole
# the include directories leave, so it is refused here rather than found in review.
function(star_check_layer_sources target)
  get_target_property(root ${target} STAR_LAYER_ROOT)
  get_target_property(source_dir ${target} SOURCE_DIR)
  get_target_property(sources ${target} SOURCES)
  foreach(source IN LISTS sources)
    get_filename_component(path ${source} ABSOLUTE BASE_DIR ${source_dir})
    get_filename_component(parent ${path} DIRECTORY)
    if(parent STREQUAL root)
      message(FATAL_ERROR "${target}: ${path} is at the root of its layer's folder; "
                          "list it in star_layer(${target} ... SOURCES) so that it sees only its layer")
    endif()
  endforeach()
endfunction()
