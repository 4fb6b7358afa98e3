import CPodnetdSupport

/// The command line, as the C runtime passed it to the program (see process_arguments.c for why
/// not `CommandLine.arguments`).
enum ProcessArguments {
    /// The arguments after the program name, or nil when the runtime handed over none at all —
    /// then podnetd cannot know what it was asked to do and must not pretend it was asked nothing.
    static func afterProgramName() -> [String]? {
        let count = Int(podnetd_argument_count())
        guard count > 0 else { return nil }
        return (1..<count).map { index in podnetd_argument(Int32(index)).map { String(cString: $0) } ?? "" }
    }
}
