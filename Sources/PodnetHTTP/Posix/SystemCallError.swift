/// A failed system call and the errno it left.
struct SystemCallError: Error, Sendable, Equatable {
    /// The call's name, e.g. `bind`.
    let call: String
    /// The errno value.
    let errno: Int32
}
