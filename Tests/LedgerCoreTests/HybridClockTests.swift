import Foundation
import TestSupport
import LedgerCore
import Synchronization
import Testing

/// A wall clock the test moves by hand.
final class ManualWallClock: Sendable {
    private let millis: Mutex<UInt64>
    init(_ start: UInt64) { millis = Mutex(start) }
    func set(_ value: UInt64) { millis.withLock { $0 = value } }
    func read() -> UInt64 { millis.withLock { $0 } }
}

@Suite struct HybridClockTests {
    @Test func readingsFollowTheWallClockWhileItAdvances() {
        let wall = ManualWallClock(1_000)
        var clock = HybridClock(wallClock: { wall.read() })
        #expect(clock.now() == HybridTimestamp(wallMillis: 1_000, counter: 0))
        wall.set(1_005)
        #expect(clock.now() == HybridTimestamp(wallMillis: 1_005, counter: 0))
    }

    @Test func readingsNeverRunBackwardsWhenTheWallClockDoes() {
        let wall = ManualWallClock(50_000)
        var clock = HybridClock(wallClock: { wall.read() })
        var previous = clock.now()
        for step in [49_000, 0, 50_000, 50_000, 10, 60_000, 59_999] as [UInt64] {
            wall.set(step)
            let next = clock.now()
            #expect(next > previous, "wall \(step)")
            previous = next
        }
    }

    @Test func observingARemoteReadingMovesPastIt() {
        let wall = ManualWallClock(1_000)
        var clock = HybridClock(wallClock: { wall.read() })
        _ = clock.now()
        let remote = HybridTimestamp(wallMillis: 1_500, counter: 7)
        let merged = clock.observe(remote)
        #expect(merged == HybridTimestamp(wallMillis: 1_500, counter: 8))
        #expect(clock.now() > merged)
        // An older remote reading does not move the clock back.
        let after = clock.observe(HybridTimestamp(wallMillis: 3, counter: 0))
        #expect(after > merged)
    }

    @Test func aRemoteClockFarInTheFutureIsNotAdopted() {
        let wall = ManualWallClock(1_000_000)
        var clock = HybridClock(maxForwardSkewMillis: 60_000, wallClock: { wall.read() })
        let year2099 = HybridTimestamp(wallMillis: 4_000_000_000_000, counter: 0)
        let reading = clock.observe(year2099)
        #expect(reading < year2099)
        #expect(clock.ignoredRemoteReadings == 1)
        // Within the tolerated skew it is adopted.
        let nearFuture = HybridTimestamp(wallMillis: 1_030_000, counter: 2)
        #expect(clock.observe(nearFuture) > nearFuture)
        #expect(clock.ignoredRemoteReadings == 1)
    }

    @Test func aClockRestartedFromItsLastReadingStaysAfterIt() {
        let wall = ManualWallClock(10)
        let persisted = HybridTimestamp(wallMillis: 99_999, counter: 3)
        var clock = HybridClock(last: persisted, wallClock: { wall.read() })
        #expect(clock.now() == HybridTimestamp(wallMillis: 99_999, counter: 4))
    }

    @Test func anExhaustedCounterCarriesIntoTheNextMillisecond() {
        let wall = ManualWallClock(0)
        var clock = HybridClock(last: HybridTimestamp(wallMillis: 7, counter: .max), wallClock: { wall.read() })
        #expect(clock.now() == HybridTimestamp(wallMillis: 8, counter: 0))
    }

    @Test func theSystemClockReadsAPlausibleTime() {
        // After 2025-01-01 and before 2200-01-01.
        let now = HybridClock.systemWallClock()
        #expect(now > 1_735_689_600_000 && now < 7_258_118_400_000)
    }
}

@Suite struct HybridTimestampFormatTests {
    @Test func wallClockTimesPrintAsRFC3339UTC() {
        #expect(HybridTimestamp(wallMillis: 0, counter: 5).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(HybridTimestamp(wallMillis: 1_764_000_000_123, counter: 0).rfc3339 == "2025-11-24T16:00:00.123Z")
        #expect(HybridTimestamp(wallMillis: 951_782_400_000, counter: 0).rfc3339 == "2000-02-29T00:00:00.000Z")
        #expect(HybridTimestamp(wallMillis: 4_102_444_799_999, counter: 0).rfc3339 == "2099-12-31T23:59:59.999Z")
    }

    @Test func rfc3339AgreesWithFoundationForSeededRandomTimes() {
        var rng = SeededGenerator(seed: 3_339)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<2_000 {
            let millis = rng.next() % 253_402_300_799_000  // up to 9999-12-31
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
            #expect(HybridTimestamp(wallMillis: millis, counter: 0).rfc3339 == expected, "seed 3339, millis \(millis)")
        }
    }
}
