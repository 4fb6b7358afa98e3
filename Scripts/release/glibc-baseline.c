// Linked into the release binary only (Scripts/package.sh), so that it needs at most GLIBC_2.34
// and GLIBCXX_3.4.29 and starts on Amazon Linux 2023 and RHEL 9 (glibc 2.34, GCC 11's libstdc++).
//
// Three references in the toolchain's static libraries would otherwise raise the baseline:
//   hypot, hypotf   GLIBC_2.35 (libFoundation.a's CGFloat, libswiftGlibc.a): glibc 2.35 gave them
//                   new versions; the GLIBC_2.2.5 ones are still exported and compute the same result.
//   std::condition_variable::wait(unique_lock<mutex>&)   GLIBCXX_3.4.30 (the static ICU inside
//                   Foundation): GCC 12 re-versioned it; the GLIBCXX_3.4.11 one has the same ABI.
// Hidden definitions here win over the shared libraries at link time and forward to the older
// versioned symbols, so the binary's references are only to those.
// Neither -static-libstdc++ (rejected by ld.gold, or overridden by the toolchain's own -lstdc++) nor
// linking libstdc++.a (which pulls in arc4random@GLIBC_2.36) does this.

extern double podnetd_hypot_2_2_5(double, double);
extern float podnetd_hypotf_2_2_5(float, float);
extern void podnetd_condition_variable_wait_3_4_11(void *condition, void *lock);

__asm__(".symver podnetd_hypot_2_2_5, hypot@GLIBC_2.2.5");
__asm__(".symver podnetd_hypotf_2_2_5, hypotf@GLIBC_2.2.5");
__asm__(".symver podnetd_condition_variable_wait_3_4_11, "
        "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE@GLIBCXX_3.4.11");

__attribute__((visibility("hidden"))) double hypot(double x, double y) { return podnetd_hypot_2_2_5(x, y); }

__attribute__((visibility("hidden"))) float hypotf(float x, float y) { return podnetd_hypotf_2_2_5(x, y); }

// std::condition_variable::wait(std::unique_lock<std::mutex>&), by its mangled name.
__attribute__((visibility("hidden"))) void podnetd_condition_variable_wait(void *condition, void *lock)
    __asm__("_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE");

void podnetd_condition_variable_wait(void *condition, void *lock) {
    podnetd_condition_variable_wait_3_4_11(condition, lock);
}
