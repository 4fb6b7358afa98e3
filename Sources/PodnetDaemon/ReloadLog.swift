import Dispatch
import Logging
import PodnetHTTP
import Synchronization

/// The log lines of configuration reloads, at most one per kind every 10 s (as the HTTP server's
/// refusals): a SIGHUP storm or a config file flapping would otherwise write one line per reload.
/// Repetitions are counted and reported once the interval has passed (`… (N times in the last
/// 10 s)`); a failure with a new reason is logged at once, since it is news to whoever edits the file.
public final class ReloadLog: Sendable {
    /// What a line is about.
    public enum Kind: String, CaseIterable, Sendable {
        case requested, busy, reloaded, failed, listenChanged, restartOnlySettings, nodeNameChanged

        var level: Logger.Level {
            switch self {
            case .requested, .reloaded: .info
            case .failed: .error
            case .busy, .listenChanged, .restartOnlySettings, .nodeNameChanged: .warning
            }
        }
    }

    static let intervalSeconds = 10

    private struct State {
        var limiter = OccurrenceLimiter<Kind>(intervalSeconds: ReloadLog.intervalSeconds)
        var flushScheduled = false
    }

    private let logger: Logger
    private let state = Mutex(State())
    /// Writes the counts of suppressed lines when their interval ends.
    private let flusher = DispatchQueue(label: "podnetd.reload-log")

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Logs `message` of `kind`, unless one of that kind was logged within the interval.
    public func log(_ kind: Kind, _ message: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let (reports, flushAt) = state.withLock { state -> ([OccurrenceLimiter<Kind>.Report], UInt64?) in
            let reports =
                kind == .failed
                ? state.limiter.recordChange(kind, detail: message, now: now)
                : state.limiter.record(kind, detail: message, now: now).map { [$0] } ?? []
            guard !state.flushScheduled, let next = state.limiter.nextFlush else { return (reports, nil) }
            state.flushScheduled = true
            return (reports, next)
        }
        reports.forEach(write)
        if let flushAt { scheduleFlush(at: flushAt) }
    }

    private func scheduleFlush(at uptime: UInt64) {
        flusher.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: uptime)) { [self] in
            let (reports, next) = state.withLock { state -> ([OccurrenceLimiter<Kind>.Report], UInt64?) in
                let reports = state.limiter.flush(now: max(uptime, DispatchTime.now().uptimeNanoseconds))
                let next = state.limiter.nextFlush
                state.flushScheduled = next != nil
                return (reports, next)
            }
            reports.forEach(write)
            if let next { scheduleFlush(at: next) }
        }
    }

    private func write(_ report: OccurrenceLimiter<Kind>.Report) {
        let times = report.count == 1 ? "" : " (\(report.count) times in the last \(Self.intervalSeconds) s)"
        logger.log(level: report.kind.level, "\(report.detail)\(times)")
    }
}
