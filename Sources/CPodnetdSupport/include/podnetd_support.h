#ifndef PODNETD_SUPPORT_H
#define PODNETD_SUPPORT_H

/// The release version this binary was built as ("dev" for a developer build).
const char *podnetd_build_version(void);

/// The git commit this binary was built from ("unknown" for a developer build).
const char *podnetd_build_commit(void);

/// The number of command-line arguments (argv[0] included) the C runtime handed to the
/// program, or 0 when none were captured.
int podnetd_argument_count(void);

/// Argument `index` (0 = the program), or NULL when out of range.
const char *podnetd_argument(int index);

#endif
