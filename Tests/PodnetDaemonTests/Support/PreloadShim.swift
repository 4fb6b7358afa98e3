import PodnetTestSupport

/// A shared library built from C at test time with the system compiler, preloaded into the daemon
/// (`LD_PRELOAD`) to make a libc or libnl call misbehave the way a test needs.
enum PreloadShim {
    /// Compiles `source` into `NAME.so` in `directory`; returns the library's path.
    static func build(_ name: String, source: String, in directory: TemporaryDirectory) throws -> String {
        guard let compiler = resolveExecutable("cc") ?? resolveExecutable("gcc") else {
            throw MissingRequirement("a C compiler (cc) is needed to build the \(name) shim: apt-get install gcc")
        }
        try directory.write(name + ".c", source)
        let library = directory.file(name + ".so")
        let build = try runProcess(compiler, ["-shared", "-fPIC", "-o", library, directory.file(name + ".c"), "-ldl"])
        guard build.exitCode == 0 else { throw ProcessFailure(result: build, reason: "cannot build the \(name) shim") }
        return library
    }
}
