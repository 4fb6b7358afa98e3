// The version and commit of a release build. Scripts/package.sh writes build-stamp.h (gitignored)
// next to this file before it builds and removes it afterwards, so a developer build says "dev"
// instead of carrying a version that no longer describes its source.
#include "podnetd_support.h"

#if __has_include("build-stamp.h")
#include "build-stamp.h"
#endif

#ifndef PODNETD_VERSION
#define PODNETD_VERSION "dev"
#endif
#ifndef PODNETD_COMMIT
#define PODNETD_COMMIT "unknown"
#endif

const char *podnetd_build_version(void) { return PODNETD_VERSION; }

const char *podnetd_build_commit(void) { return PODNETD_COMMIT; }
