#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hybrid logical clock (Kulkarni et al., 2014) that issues `HybridTimestamp`s.
///
/// Readings never run backwards, even when the wall clock does (a clinic laptop whose
/// battery died, an NTP step), and are always later than every remote reading observed.
/// Clocks in the field can be wildly wrong, so a remote reading more than
/// `maxForwardSkewMillis` ahead of our wall clock is not adopted: one site with its clock in
/// 2099 must not drag every other site's clock there. Such readings are counted in
/// `ignoredRemoteReadings` for the integrity report.
///
/// A value type with no locks: its owner (the site ledger's single writer) serialises access.
/// To survive restarts without running backwards, persist `last` and pass it to `init`.
public struct HybridClock: Sendable {
    /// The source of wall-clock milliseconds since the Unix epoch.
    public typealias WallClock = @Sendable () -> UInt64

    /// The latest reading issued or adopted.
    public private(set) var last: HybridTimestamp
    /// How far ahead of our wall clock a remote reading may be and still be adopted.
    public let maxForwardSkewMillis: UInt64
    /// How many remote readings were too far ahead to adopt.
    public private(set) var ignoredRemoteReadings: Int = 0
    private let wallClock: WallClock

    /// One day: generous for badly set clocks, small next to a clock set years ahead.
    public static let defaultMaxForwardSkewMillis: UInt64 = 24 * 60 * 60 * 1000

    /// Creates a clock.
    /// - Parameters:
    ///   - last: a reading this clock must stay after (the last one persisted), or zero.
    ///   - maxForwardSkewMillis: see the type's discussion.
    ///   - wallClock: the wall clock; tests inject a fake one.
    public init(
        last: HybridTimestamp = HybridTimestamp(wallMillis: 0, counter: 0),
        maxForwardSkewMillis: UInt64 = HybridClock.defaultMaxForwardSkewMillis,
        wallClock: @escaping WallClock = HybridClock.systemWallClock
    ) {
        self.last = last
        self.maxForwardSkewMillis = maxForwardSkewMillis
        self.wallClock = wallClock
    }

    /// The system's real-time clock in milliseconds since the Unix epoch.
    public static let systemWallClock: WallClock = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        guard ts.tv_sec >= 0 else { return 0 }
        return UInt64(ts.tv_sec) &* 1000 &+ UInt64(ts.tv_nsec / 1_000_000)
    }

    /// A new reading, strictly after every earlier one (HLC send/local event rule).
    public mutating func now() -> HybridTimestamp {
        let wall = wallClock()
        if wall > last.wallMillis {
            last = HybridTimestamp(wallMillis: wall, counter: 0)
        } else {
            last = Self.successor(of: last)
        }
        return last
    }

    /// Merges a reading from another site (HLC receive rule) and returns the new local reading.
    ///
    /// The result is strictly after both `last` and `remote`, unless `remote` is more than
    /// `maxForwardSkewMillis` ahead of the wall clock, in which case it is ignored (counted
    /// in `ignoredRemoteReadings`) and the result is just `now()`.
    @discardableResult
    public mutating func observe(_ remote: HybridTimestamp) -> HybridTimestamp {
        let wall = wallClock()
        let (limit, overflow) = wall.addingReportingOverflow(maxForwardSkewMillis)
        if !overflow && remote.wallMillis > limit {
            ignoredRemoteReadings += 1
            return now()
        }
        let latest = max(last, remote)
        if wall > latest.wallMillis {
            last = HybridTimestamp(wallMillis: wall, counter: 0)
        } else {
            last = Self.successor(of: latest)
        }
        return last
    }

    /// The next reading after `t`: the counter plus one, or the next millisecond when the
    /// counter is exhausted (a clock stuck for 4 billion readings still never repeats).
    static func successor(of t: HybridTimestamp) -> HybridTimestamp {
        if t.counter < UInt32.max { return HybridTimestamp(wallMillis: t.wallMillis, counter: t.counter + 1) }
        return HybridTimestamp(wallMillis: t.wallMillis &+ 1, counter: 0)
    }
}
