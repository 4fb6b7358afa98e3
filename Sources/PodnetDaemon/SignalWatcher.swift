#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// What a signal asks the daemon to do.
public enum DaemonSignal: Sendable {
    case reload
    case stop
}

/// Turns SIGHUP into reload and SIGTERM/SIGINT into stop, in one place.
///
/// The signals are blocked in every thread (call `blockDaemonSignals()` before starting any) and
/// collected by one thread blocked in `sigwaitinfo`, so no async-signal-safety rules apply to the
/// handler and nothing polls. `stop()` wakes that thread with SIGUSR2, which only it waits for.
public final class SignalWatcher: Sendable {
    /// (started, stop requested)
    private let state = Mutex((started: false, stopRequested: false))
    private let finished = DispatchSemaphore(value: 0)

    /// Blocks SIGHUP, SIGTERM and SIGINT in the calling thread; threads created afterwards inherit it.
    public static func blockDaemonSignals() {
        var set = daemonSignalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    public init() {}

    /// Starts the watching thread; `handler` runs on it.
    public func start(_ handler: @escaping @Sendable (DaemonSignal) -> Void) {
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        let thread = Thread { [self] in
            var set = Self.daemonSignalSet()
            while !state.withLock({ $0.stopRequested }) {
                let signal = sigwaitinfo(&set, nil)
                switch signal {
                case SIGHUP: handler(.reload)
                case SIGTERM, SIGINT: handler(.stop)
                default: continue
                }
            }
            finished.signal()
        }
        thread.name = "podnetd-signals"
        thread.start()
    }

    /// Stops the watching thread and waits for it.
    public func stop() {
        let started = state.withLock { state in
            state.stopRequested = true
            return state.started
        }
        guard started else { return }
        // Blocked in every thread, so the process-directed signal goes to the waiting thread.
        kill(getpid(), SIGUSR2)
        finished.wait()
    }

    private static func daemonSignalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGHUP)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGUSR2)
        return set
    }
}
