import PodnetNetlink
import Synchronization

/// How other threads talk to the watch loop: a stop request and a pending reload request, each of
/// which also wakes the loop at once (through its event stream), so the loop never polls for them.
public final class LoopControl: Sendable {
    private struct State {
        var stop = false
        var reload = false
        var analysis = false
        var stream: NetlinkEventStream?
    }

    private let state = Mutex(State())

    public init() {}

    public func requestStop() {
        let stream = state.withLock { state in
            state.stop = true
            return state.stream
        }
        stream?.stop()
    }

    public func requestReload() {
        let stream = state.withLock { state in
            state.reload = true
            return state.stream
        }
        stream?.wake()
    }

    /// Asks for an analysis soon (the cluster's view changed); wakes the loop.
    public func requestAnalysis() {
        let stream = state.withLock { state in
            state.analysis = true
            return state.stream
        }
        stream?.wake()
    }

    /// Returns whether an analysis was requested, clearing the request.
    public func takeAnalysisRequest() -> Bool {
        state.withLock { state in
            defer { state.analysis = false }
            return state.analysis
        }
    }

    public var shouldStop: Bool { state.withLock { $0.stop } }

    /// The stream the loop waits on; requests wake it.
    func attach(_ stream: NetlinkEventStream?) {
        let wakeNow = state.withLock { state in
            state.stream = stream
            return state.stop || state.reload
        }
        if wakeNow { stream?.wake() }
    }

    /// Returns whether a reload was requested, clearing the request.
    public func takeReloadRequest() -> Bool {
        state.withLock { state in
            defer { state.reload = false }
            return state.reload
        }
    }
}
