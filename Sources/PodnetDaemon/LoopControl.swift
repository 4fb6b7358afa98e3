import Synchronization

/// A one-way flag other threads set to ask a loop to finish, plus a pending reload request.
public final class LoopControl: Sendable {
    private let state = Mutex((stop: false, reload: false))

    public init() {}

    public func requestStop() { state.withLock { $0.stop = true } }
    public func requestReload() { state.withLock { $0.reload = true } }

    public var shouldStop: Bool { state.withLock { $0.stop } }

    /// Returns whether a reload was requested, clearing the request.
    public func takeReloadRequest() -> Bool {
        state.withLock { state in
            defer { state.reload = false }
            return state.reload
        }
    }
}
