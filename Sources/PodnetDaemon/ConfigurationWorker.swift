import Foundation
import PodnetAnalysis
import PodnetConfig
import Synchronization

/// Reads and resolves the configuration on a thread of its own, so that a file that is slow or
/// blocks (a FIFO, a hung network mount, a huge value to reject) never stops the watch loop from
/// following netlink; each result is handed to the loop through `LoopControl`.
///
/// Requests are coalesced: while one is being worked on, later ones wait, and a reload makes any
/// waiting refresh pointless. A request stuck in the file system holds only this thread: the daemon
/// still stops on SIGTERM (the thread is never joined).
public final class ConfigurationWorker: Sendable {
    /// What to read.
    public enum Request: Sendable {
        /// Re-read the config file and resolve it (SIGHUP).
        case reload
        /// Resolve an already parsed config again (kubelet's maxPods or DMI may have changed on disk).
        case refresh(PodnetConfig)
    }

    /// What came of a request.
    public enum Outcome: Sendable {
        case reloaded(LoadedConfiguration)
        case reloadFailed(String)
        case refreshed(Expectations)
        case refreshFailed(String)
    }

    private struct State {
        var reloadWaiting = false
        var refreshWaiting: PodnetConfig?
        /// Since when the current request has been worked on; nil while idle.
        var busySince: ContinuousClock.Instant?
        var started = false
        var stopped = false
    }

    private let loader: ConfigurationLoader
    private let deliver: @Sendable (Outcome) -> Void
    private let onStart: @Sendable (Request) -> Void
    private let state = Mutex(State())
    private let work = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - loader: reads and resolves the config.
    ///   - onStart: called on the worker's thread as it starts on a request (e.g. `RELOADING=1`).
    ///   - deliver: called on the worker's thread with each outcome.
    public init(
        loader: ConfigurationLoader, onStart: @escaping @Sendable (Request) -> Void = { _ in },
        deliver: @escaping @Sendable (Outcome) -> Void
    ) {
        self.loader = loader
        self.onStart = onStart
        self.deliver = deliver
    }

    /// Queues a request without blocking. Returns how long the request before it has been running
    /// when one is (a stuck file read shows here), else nil.
    @discardableResult
    public func submit(_ request: Request) -> Duration? {
        let (busyFor, startThread) = state.withLock { state -> (Duration?, Bool) in
            switch request {
            case .reload:
                state.reloadWaiting = true
                state.refreshWaiting = nil
            case .refresh(let config):
                if !state.reloadWaiting { state.refreshWaiting = config }
            }
            defer { state.started = true }
            return (state.busySince.map { .now - $0 }, !state.started)
        }
        if startThread { start() }
        work.signal()
        return busyFor
    }

    /// Lets the thread end once its current request (if any) returns.
    public func stop() {
        state.withLock { $0.stopped = true }
        work.signal()
    }

    private func start() {
        let thread = Thread { [self] in
            while true {
                work.wait()
                while let request = take() {
                    onStart(request)
                    let outcome = perform(request)
                    state.withLock { $0.busySince = nil }
                    deliver(outcome)
                }
                if state.withLock({ $0.stopped }) { return }
            }
        }
        thread.name = "podnetd-config"
        thread.start()
    }

    /// The next request to work on, marking the worker busy; nil when none waits or stopped.
    private func take() -> Request? {
        state.withLock { state in
            guard !state.stopped else { return nil }
            let request: Request
            if state.reloadWaiting {
                state.reloadWaiting = false
                request = .reload
            } else if let config = state.refreshWaiting {
                state.refreshWaiting = nil
                request = .refresh(config)
            } else {
                return nil
            }
            state.busySince = .now
            return request
        }
    }

    private func perform(_ request: Request) -> Outcome {
        switch request {
        case .reload:
            do {
                return .reloaded(try loader.load())
            } catch {
                return .reloadFailed("\(error)")
            }
        case .refresh(let config):
            do {
                return .refreshed(try loader.resolve(config).expectations)
            } catch {
                return .refreshFailed("\(error)")
            }
        }
    }
}
