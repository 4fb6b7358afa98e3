// The command line as the C runtime hands it to the program.
//
// Swift's CommandLine.arguments on Linux is read from /proc/self/cmdline; where /proc is not
// mounted (a bare chroot, some minimal containers) it comes back empty and the tool would run as if
// it had been given no arguments at all. glibc passes (argc, argv, envp) to every function in the
// executable's .init_array, so capturing them there needs no /proc.
#include <stddef.h>
#include "podnetd_support.h"

static int captured_count;
static char **captured_arguments;

static void podnetd_capture_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 0 && argv != NULL) {
        captured_count = argc;
        captured_arguments = argv;
    }
}

__attribute__((section(".init_array"), used))
static void (*const podnetd_capture_arguments_entry)(int, char **, char **) = podnetd_capture_arguments;

int podnetd_argument_count(void) { return captured_count; }

const char *podnetd_argument(int index) {
    if (index < 0 || index >= captured_count) return NULL;
    return captured_arguments[index];
}
