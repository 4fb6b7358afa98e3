#if canImport(Glibc)
import Glibc
#endif

/// glibc's heap, kept small: freed pages go back to the kernel (`malloc_trim`) after work whose peak
/// is transient, and the process uses one malloc arena.
enum MemoryTrim {
    /// `malloc_trim` and `mallopt` are not exported by Swift's Glibc module, so they are looked up
    /// once at run time; on a C library without them this does nothing.
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    private static let mallopt: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()
    /// `M_ARENA_MAX` of glibc's malloc.h.
    private static let arenaMaxParameter: Int32 = -8

    static func returnFreedMemory() {
        _ = trim?(0)
    }

    /// Limits the process to one malloc arena; call it before threads start. glibc gives threads
    /// arenas of their own (up to 8 per core), and the cluster watch's tasks and NIO's threads each
    /// kept freed list pages in theirs: with one arena a 5,000-node cluster cost ~3 MiB less extra
    /// RSS at the lists' peak and in the steady state (`Scripts/bench-cluster.sh`: 11.8 vs 14.6 MiB,
    /// 10.1 vs 13.8 MiB). podnetd's threads allocate little at the same time; each keeps its own
    /// small-block cache (tcache), so the shared arena's lock is rarely taken. An arena limit given
    /// in the environment (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`) wins.
    static func useOneArena(environment: [String: String]) {
        guard environment["MALLOC_ARENA_MAX"] == nil, !(environment["GLIBC_TUNABLES"] ?? "").contains("arena_max") else {
            return
        }
        _ = mallopt?(arenaMaxParameter, 1)
    }
}
