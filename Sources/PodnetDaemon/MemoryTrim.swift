#if canImport(Glibc)
import Glibc
#endif

/// Returns freed heap pages to the kernel (glibc's `malloc_trim`), after work whose peak is transient.
enum MemoryTrim {
    /// `malloc_trim` is not exported by Swift's Glibc module, so it is looked up once at run time;
    /// on a C library without it this does nothing.
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    static func returnFreedMemory() {
        _ = trim?(0)
    }
}
