#pragma once

namespace star::server {

// What --version prints after the program's name: the CMake project version, followed by
// "(git <describe>)" when the sources were built from a git checkout with git installed.
// Defined in a file generated at every build (cmake/write_version.cmake), so that it follows
// the checkout without a re-configure; it is linked into the executable alone.
char const* version_text();

}  // namespace star::server
