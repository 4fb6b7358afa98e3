import Foundation
import Testing

@testable import PodnetDaemon

/// `WatchLoopState`: what the watch loop does next, driven by hand without a kernel or a clock.
@Suite struct WatchLoopStateTests {
    let start = ContinuousClock.now
    let interval = Duration.seconds(60)
    let debounce = Duration.milliseconds(50)

    func fresh() -> WatchLoopState { WatchLoopState(startedAt: Date(), now: start) }

    @Test("the first turn dumps at once for \"startup\"; after it the next periodic resync is one interval away")
    func startupResync() {
        var state = fresh()
        #expect(state.isResyncDue(now: start))
        #expect(!state.isAnalysisDue(now: start), "nothing to analyse before a dump")
        let resync = state.resyncSucceeded(now: start, wallNow: Date(), interval: interval)
        #expect(resync.reason == "startup")
        #expect(!resync.recovered)
        #expect(state.isAnalysisDue(now: start), "a dump is analysed at once")
        #expect(!state.isResyncDue(now: start + interval - .milliseconds(1)))
        #expect(state.isResyncDue(now: start + interval))
        let periodicResync = state.resyncSucceeded(now: start + interval, wallNow: Date(), interval: interval)
        #expect(periodicResync.reason == "periodic")
    }

    @Test("events before the first dump are ignored; after it they schedule an analysis one debounce later")
    func eventsDebounce() {
        var state = fresh()
        let beforeDump = state.eventsApplied(count: 3, needsResync: false, overrun: false, now: start, debounce: debounce)
        #expect(beforeDump == .none)
        _ = state.resyncSucceeded(now: start, wallNow: Date(), interval: interval)
        let firstAnalysis = state.analysed(nextDue: nil)
        #expect(firstAnalysis, "the first analysis is the moment for READY=1")
        #expect(!state.isAnalysisDue(now: start + .seconds(30)))
        let at = start + .seconds(1)
        let firstEvent = state.eventsApplied(count: 1, needsResync: false, overrun: false, now: at, debounce: debounce)
        #expect(firstEvent == .analyse)
        #expect(!state.isAnalysisDue(now: at + .milliseconds(49)))
        #expect(state.isAnalysisDue(now: at + debounce))
        // A later event does not push an earlier due analysis back.
        let laterEvent = state.eventsApplied(
            count: 1, needsResync: false, overrun: false, now: at + .milliseconds(40), debounce: debounce)
        #expect(
            laterEvent
                == .analyse)
        #expect(state.isAnalysisDue(now: at + debounce))
        let secondAnalysis = state.analysed(nextDue: nil)
        #expect(!secondAnalysis, "READY=1 only once")
        let emptyWake = state.eventsApplied(
            count: 0, needsResync: false, overrun: false, now: at + .seconds(1), debounce: debounce)
        #expect(
            emptyWake
                == .none, "an empty wake-up changes nothing")
    }

    @Test("an overrun resyncs once the stream is quiet; an indescribable change at once; each with its reason")
    func resyncReasons() {
        var state = fresh()
        _ = state.resyncSucceeded(now: start, wallNow: Date(), interval: interval)
        let at = start + .seconds(2)
        let overrun = state.eventsApplied(count: 5, needsResync: true, overrun: true, now: at, debounce: debounce)
        #expect(overrun == .overrun(firstOfBurst: true))
        #expect(state.isWaitingOutOverrun)
        #expect(!state.isResyncDue(now: at), "not while the burst may still be going")
        #expect(!state.isAnalysisDue(now: at + .seconds(1), stale: true), "a stale snapshot is never analysed")
        let again = state.eventsApplied(count: 3, needsResync: true, overrun: true, now: at + .milliseconds(100), debounce: debounce)
        #expect(again == .overrun(firstOfBurst: false), "one log line per burst")
        state.eventsDiscarded(now: at + .milliseconds(200))
        #expect(!state.isResyncDue(now: at + .milliseconds(449)), "discarded events restart the quiet period")
        #expect(state.isResyncDue(now: at + .milliseconds(450)))
        let overrunResync = state.resyncSucceeded(now: at + .milliseconds(450), wallNow: Date(), interval: interval)
        #expect(!state.isWaitingOutOverrun)
        #expect(overrunResync.reason == "overrun")
        let replacedRoute = state.eventsApplied(count: 1, needsResync: true, overrun: false, now: at, debounce: debounce)
        #expect(
            replacedRoute
                == .resync(reason: "implicit-change"))
        state.streamFailed(now: at + .seconds(1))
        let socketErrorResync = state.resyncSucceeded(now: at + .seconds(1), wallNow: Date(), interval: interval)
        #expect(socketErrorResync.reason == "socket-error")
        state.reloadApplied(now: at + .seconds(2))
        #expect(state.isResyncDue(now: at + .seconds(2)))
        let reloadResync = state.resyncSucceeded(now: at + .seconds(2), wallNow: Date(), interval: interval)
        #expect(reloadResync.reason == "reload")
    }

    @Test("a read problem is reported once, retried at the given time, and cleared by the next good dump")
    func readProblem() {
        var state = fresh()
        let firstFailure = state.readFailed("cannot read the network state: EPERM", retryAt: start + .seconds(1))
        #expect(firstFailure)
        let sameFailureAgain = state.readFailed("cannot read the network state: EPERM", retryAt: start + .seconds(2))
        #expect(!sameFailureAgain, "logged once")
        #expect(state.readProblem == "cannot read the network state: EPERM")
        #expect(!state.isResyncDue(now: start + .milliseconds(1500)))
        #expect(state.isResyncDue(now: start + .seconds(2)))
        let resync = state.resyncSucceeded(now: start + .seconds(2), wallNow: Date(), interval: interval)
        #expect(resync.recovered)
        #expect(state.readProblem == nil)
    }

    @Test("changed expectations analyse again at once, but only once there is a snapshot")
    func expectationsChanged() {
        var state = fresh()
        state.expectationsChanged(now: start)
        #expect(!state.isAnalysisDue(now: start + .seconds(10)))
        _ = state.resyncSucceeded(now: start, wallNow: Date(), interval: interval)
        _ = state.analysed(nextDue: nil)
        state.expectationsChanged(now: start + .seconds(3))
        #expect(state.isAnalysisDue(now: start + .seconds(3)))
    }

    @Test("the loop sleeps to its nearest deadline: resync, analysis, watchdog; a pending trim shortens the wait")
    func nextWait() {
        var state = fresh()
        _ = state.resyncSucceeded(now: start, wallNow: Date(), interval: interval)
        _ = state.analysed(nextDue: start + .seconds(5))  // a finding's grace ends in 5 s
        state.trimmed()
        var wait = state.nextWait(now: start, watchdogInterval: nil, quietBeforeTrim: .milliseconds(500))
        #expect(wait.wakeAt == start + .seconds(5))
        #expect(wait.timeout == .seconds(5))
        #expect(!wait.trimIfQuiet)

        // With a watchdog: the first ping is due at once, then every interval.
        wait = state.nextWait(now: start, watchdogInterval: .seconds(2), quietBeforeTrim: .milliseconds(500))
        #expect(wait.wakeAt == start)
        #expect(state.isWatchdogDue(now: start, interval: .seconds(2)))
        state.watchdogSent(now: start)
        #expect(!state.isWatchdogDue(now: start + .seconds(1), interval: .seconds(2)))
        #expect(state.isWatchdogDue(now: start + .seconds(2), interval: .seconds(2)))
        #expect(!state.isWatchdogDue(now: start + .seconds(100), interval: nil), "no watchdog, no pings")
        wait = state.nextWait(now: start, watchdogInterval: .seconds(2), quietBeforeTrim: .milliseconds(500))
        #expect(wait.wakeAt == start + .seconds(2))

        // After an analysis, memory is trimmed once the loop has been quiet for 500 ms.
        _ = state.analysed(nextDue: nil)
        wait = state.nextWait(now: start, watchdogInterval: nil, quietBeforeTrim: .milliseconds(500))
        #expect(wait.wakeAt == start + interval)
        #expect(wait.timeout == .milliseconds(500))
        #expect(wait.trimIfQuiet)
        state.trimmed()
        #expect(!state.nextWait(now: start, watchdogInterval: nil, quietBeforeTrim: .milliseconds(500)).trimIfQuiet)
    }

    @Test("a first analysis held for the cluster's view: events still schedule it, the loop sleeps until the hold ends (no spinning), and a release makes it due at once")
    func firstAnalysisHold() {
        var state = fresh()
        state.holdFirstAnalysis(until: start + .seconds(30))
        _ = state.resyncSucceeded(now: start, wallNow: Date(), interval: interval)
        #expect(!state.isAnalysisDue(now: start + .seconds(1)), "held")
        let wait = state.nextWait(now: start + .seconds(1), watchdogInterval: nil, quietBeforeTrim: .seconds(100))
        #expect(wait.wakeAt == start + .seconds(30), "the loop must sleep until the hold ends, not spin on the due analysis")
        #expect(state.isAnalysisDue(now: start + .seconds(30)), "due when the bound is reached")
        state.releaseFirstAnalysis()
        #expect(state.isAnalysisDue(now: start + .seconds(2)), "due at once when the view arrives")
        _ = state.analysed(nextDue: nil)
        state.holdFirstAnalysis(until: start + .seconds(90))
        #expect(state.firstAnalysisHeldUntil == nil, "only the first analysis is ever held")
    }
}

/// `StatusBoard`'s liveness: a loop that stops turning makes /healthz fail.
@Suite struct StatusBoardLivenessTests {
    @Test("a turn that has not ended within the slack is a stall, even when the loop's promised wake-up is far away")
    func stalledTurn() {
        let board = StatusBoard(heartbeatSlack: .seconds(10), freshnessLimit: .seconds(120))
        let now = ContinuousClock.now
        board.publish(PublishedStatus(json: [], text: "", analyzedAt: now))
        // The loop promised to wake in 60 s (its next resync), then was woken early and got stuck.
        board.beat(nextBeatBy: now + .seconds(60))
        #expect(board.healthProblem(now: now + .seconds(5)) == nil)
        board.turnStarted(at: now + .seconds(5))
        #expect(board.healthProblem(now: now + .seconds(14)) == nil)
        let problem = board.healthProblem(now: now + .seconds(16))
        #expect(problem?.contains("watch loop is stalled") == true, "\(problem ?? "healthy")")
        // Waiting again is healthy again.
        board.beat(nextBeatBy: now + .seconds(76))
        #expect(board.healthProblem(now: now + .seconds(16)) == nil)
    }
}
