@testable import LedgerSite
import Testing

/// What the API's group commit expects to gather (Specs/fhir-api.md §4.3).
@Suite("Consults in flight")
struct ConsultsInFlightTests {
    @Test("the peak is the most consults in flight at once since the last reset, and a reset starts from those still in flight")
    func peakFollowsTheBusiestMoment() {
        let inFlight = ConsultsInFlight()
        #expect(inFlight.peak == 0)
        inFlight.enter()
        inFlight.enter()
        inFlight.enter()
        inFlight.leave()
        #expect(inFlight.peak == 3, "three were in flight at once")
        inFlight.resetPeak()
        #expect(inFlight.peak == 2, "two are still in flight")
        inFlight.leave()
        inFlight.leave()
        #expect(inFlight.peak == 2)
        inFlight.resetPeak()
        #expect(inFlight.peak == 0, "one client at a time: a commit never waits")
        inFlight.enter()
        #expect(inFlight.peak == 1)
    }

    @Test("a commit waits only while fewer consults are pending than expected")
    func noWaitOnceTheExpectedArePending() {
        let slowDisk: UInt64 = 4_000_000
        #expect(CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 0, lastSyncNanos: slowDisk))
        #expect(!CommitGathering.shouldWait(pending: 16, expected: 16, waitedNanos: 0, lastSyncNanos: slowDisk))
        #expect(!CommitGathering.shouldWait(pending: 17, expected: 16, waitedNanos: 0, lastSyncNanos: slowDisk))
        #expect(!CommitGathering.shouldWait(pending: 1, expected: 1, waitedNanos: 0, lastSyncNanos: slowDisk), "one client: never")
    }

    @Test("on a slow disk the wait is capped at 1 ms, one step at a time")
    func slowDiskWaitsAtMostTheLimit() {
        let slowDisk: UInt64 = 4_000_000
        #expect(CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 900_000, lastSyncNanos: slowDisk), "0.9 ms + one step = the limit")
        #expect(!CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 900_001, lastSyncNanos: slowDisk))
        #expect(!CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 5_000_000, lastSyncNanos: slowDisk))
    }

    @Test("on a fast disk the wait stays shorter than the last commit's sync, and before any commit there is none")
    func fastDiskWaitsLessThanItsSync() {
        let fastDisk: UInt64 = 340_000
        #expect(CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 0, lastSyncNanos: fastDisk))
        #expect(CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 200_000, lastSyncNanos: fastDisk), "0.3 ms < 0.34 ms")
        #expect(!CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 240_000, lastSyncNanos: fastDisk), "0.34 ms is not shorter")
        #expect(!CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 0, lastSyncNanos: 100_000), "a sync as short as one step")
        #expect(!CommitGathering.shouldWait(pending: 4, expected: 16, waitedNanos: 0, lastSyncNanos: 0), "no commit yet")
    }
}
