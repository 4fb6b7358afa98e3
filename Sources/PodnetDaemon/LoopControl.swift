import PodnetNetlink
import Synchronization

/// How other threads talk to the watch loop: a stop request, the configurations read for it (by
/// `ConfigurationWorker`) and requests for an analysis (the cluster's view changed), each of which
/// also wakes the loop at once (through its event stream), so the loop never polls for them.
public final class LoopControl: Sendable {
    private struct State {
        var stop = false
        var outcomes: [ConfigurationWorker.Outcome] = []
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

    /// Hands the loop a configuration read off the loop (or why it could not be read), and wakes it.
    public func deliver(_ outcome: ConfigurationWorker.Outcome) {
        let stream = state.withLock { state in
            state.outcomes.append(outcome)
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
            return state.stop || !state.outcomes.isEmpty || state.analysis
        }
        if wakeNow { stream?.wake() }
    }

    /// The configurations delivered since the last call, oldest first.
    public func takeOutcomes() -> [ConfigurationWorker.Outcome] {
        state.withLock { state in
            defer { state.outcomes = [] }
            return state.outcomes
        }
    }
}
