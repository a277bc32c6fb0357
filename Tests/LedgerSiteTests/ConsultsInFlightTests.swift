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
}
