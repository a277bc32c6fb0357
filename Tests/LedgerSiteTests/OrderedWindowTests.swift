import Foundation
import Synchronization
import Testing

@testable import LedgerSite

/// The catch-up's window: jobs on worker threads, a second stage on threads of its own,
/// results in order, the first error stopping it (Specs/static-log.md §11.3).
@Suite("Static log: the ordered window")
struct OrderedWindowTests {
    /// Threads doing a stage, and the most seen doing it at once.
    final class Gauge: Sendable {
        private let state = Mutex((now: 0, most: 0))
        func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
        var now: Int { state.withLock { $0.now } }
    }

    @Test("every job's result goes through the second stage and reaches the caller in order")
    func twoStagesInOrder() throws {
        let processing = Gauge()
        var seen: [Int] = []
        try OrderedWindow<Int>.run(count: 200, window: 16, concurrency: 4, job: { index in
            // Later jobs finish first now and then, so results arrive out of order.
            if index % 7 == 0 { Thread.sleep(forTimeInterval: 0.002) }
            return index * 10
        }, then: { value in
            processing.enter()
            defer { processing.leave() }
            Thread.sleep(forTimeInterval: 0.0005)
            return value + 1
        }, processors: 2, consume: { index, value in
            #expect(value == index * 10 + 1)
            seen.append(index)
        })
        #expect(seen == Array(0..<200))
        #expect(processing.most <= 2)
    }

    struct Refused: Error, Equatable { let index: Int }

    @Test("a job's error reaches the caller at its place, after the results before it, and stops the run")
    func jobErrorStops() throws {
        let jobsRun = Mutex(0)
        var consumed: [Int] = []
        #expect(throws: Refused(index: 30)) {
            try OrderedWindow<Int>.run(count: 1000, window: 8, concurrency: 3, job: { index in
                jobsRun.withLock { $0 += 1 }
                if index == 30 { throw Refused(index: index) }
                return index
            }, then: { $0 }, processors: 2, consume: { index, _ in consumed.append(index) })
        }
        #expect(consumed == Array(0..<30))
        // No job starts more than the window past the failed one.
        #expect(jobsRun.withLock { $0 } <= 30 + 8)
    }

    @Test("an error thrown by the caller stops the run; every thread has ended when it returns")
    func consumerErrorStops() throws {
        let inFlight = Gauge()
        let processing = Gauge()
        #expect(throws: Refused(index: 5)) {
            try OrderedWindow<Int>.run(count: 500, window: 12, concurrency: 4, job: { index in
                inFlight.enter(); defer { inFlight.leave() }
                return index
            }, then: { value in
                processing.enter(); defer { processing.leave() }
                return value
            }, processors: 2, consume: { index, _ in
                if index == 5 { throw Refused(index: index) }
            })
        }
        #expect(inFlight.most <= 4)
        #expect(processing.most <= 2)
        #expect(inFlight.now == 0)
        #expect(processing.now == 0)
    }

    @Test("without a second stage the job's results are consumed as they are")
    func oneStage() throws {
        var values: [Int] = []
        try OrderedWindow<Int>.run(count: 50, window: 5, job: { $0 * 3 }, consume: { _, value in values.append(value) })
        #expect(values == (0..<50).map { $0 * 3 })
    }
}
