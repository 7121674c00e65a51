// Skipping what cannot run here, unless the run must prove everything.
//
// CTest and the sanitizer scripts set STAR_TESTS_REQUIRE_ALL=1: then a missing prerequisite (a
// program, a build target, node_modules) fails the run instead of skipping silently what CI is
// there to prove. Every skip of every suite goes through skipUnlessRequired.

export function requireAll () {
  return process.env.STAR_TESTS_REQUIRE_ALL === '1'
}

/** `reason` (a skip reason, or false when nothing is missing); throws instead under requireAll(). */
export function skipUnlessRequired (reason) {
  if (reason && requireAll()) throw new Error(`required test cannot run: ${reason}`)
  return reason || false
}
