@testable import PodnetDaemon
import Testing

/// When the watch loop re-reads the state: at once for most reasons, after a quiet stream for an overrun.
@Suite struct ResyncSchedulerTests {
    let start = ContinuousClock.now
    let quiet = ResyncScheduler.quietAfterOverrun

    @Test func startupIsDueAtOnceThenPeriodic() {
        var scheduler = ResyncScheduler(now: start)
        #expect(scheduler.isDue(at: start))
        #expect(scheduler.reason == "startup")
        scheduler.resynced(at: start, interval: .seconds(60))
        #expect(!scheduler.isDue(at: start + .seconds(59)))
        #expect(scheduler.isDue(at: start + .seconds(60)))
        #expect(scheduler.reason == "periodic")
    }

    @Test func anOverrunWaitsUntilTheStreamIsQuiet() {
        var scheduler = ResyncScheduler(now: start)
        scheduler.resynced(at: start, interval: .seconds(60))
        scheduler.overrun(at: start)
        #expect(scheduler.isWaitingOutOverrun)
        #expect(!scheduler.isDue(at: start + quiet / 2))
        // Events keep coming (more overruns among them): the wait goes on, one re-read for the burst.
        var now = start
        for _ in 0..<10 {
            now += quiet / 2
            scheduler.eventsArrived(at: now)
            scheduler.overrun(at: now)
            #expect(!scheduler.isDue(at: now + quiet / 2))
        }
        // A change netlink cannot describe adds nothing while waiting.
        scheduler.request("implicit-change", at: now)
        #expect(!scheduler.isDue(at: now))
        #expect(scheduler.isDue(at: now + quiet))
        #expect(scheduler.reason == "overrun")
        scheduler.resynced(at: now + quiet, interval: .seconds(60))
        #expect(!scheduler.isWaitingOutOverrun)
    }

    @Test func aStreamThatNeverGoesQuietIsReReadAfterTheLongestWait() {
        var scheduler = ResyncScheduler(now: start)
        scheduler.resynced(at: start, interval: .seconds(60))
        scheduler.overrun(at: start)
        var now = start
        while now < start + ResyncScheduler.longestOverrunWait {
            #expect(!scheduler.isDue(at: now))
            now += .milliseconds(10)
            scheduler.eventsArrived(at: now)
        }
        #expect(scheduler.isDue(at: start + ResyncScheduler.longestOverrunWait))
    }

    @Test func anUncertainReadIsRetriedSoonAndAStreakIsCounted() {
        var scheduler = ResyncScheduler(now: start)
        scheduler.failed(at: start, uncertain: true)
        #expect(scheduler.uncertainStreak == 1)
        #expect(!scheduler.isDue(at: start + ResyncScheduler.retryAfterUncertain / 2))
        #expect(scheduler.isDue(at: start + ResyncScheduler.retryAfterUncertain))
        #expect(scheduler.reason == "startup", "the reason of the pending re-read stays")
        scheduler.failed(at: start, uncertain: true)
        #expect(scheduler.uncertainStreak == 2)
        scheduler.resynced(at: start, interval: .seconds(60))
        #expect(scheduler.uncertainStreak == 0)
    }

    @Test func reloadAndSocketErrorsAreDueAtOnceEvenDuringAnOverrunWait() {
        var scheduler = ResyncScheduler(now: start)
        scheduler.resynced(at: start, interval: .seconds(60))
        scheduler.overrun(at: start)
        scheduler.request("reload", at: start)
        #expect(scheduler.isDue(at: start))
        #expect(scheduler.reason == "reload")
    }
}
