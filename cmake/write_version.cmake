# cmake -DVERSION=<project version> -DSOURCE_DIR=<repository> -DTEMPLATE=<in> -DOUTPUT=<out> -P write_version.cmake
#
# Writes OUTPUT from TEMPLATE with STAR_VERSION_TEXT set to VERSION, followed by "(git <describe>)"
# when SOURCE_DIR is a git checkout and git is installed. Runs at every build; configure_file rewrites
# OUTPUT only when the text changed, so nothing is recompiled otherwise. Without git, or outside a
# checkout (a release tarball, the Docker image's context), the version is the project's alone: git
# is never needed to build.
set(STAR_VERSION_TEXT "${VERSION}")
if(EXISTS "${SOURCE_DIR}/.git")
  find_program(STAR_GIT git)
  if(STAR_GIT)
    execute_process(COMMAND "${STAR_GIT}" describe --tags --always --dirty
                    WORKING_DIRECTORY "${SOURCE_DIR}"
                    OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET RESULT_VARIABLE failed)
    if(failed EQUAL 0 AND NOT describe STREQUAL "")
      string(APPEND STAR_VERSION_TEXT " (git ${describe})")
    endif()
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
