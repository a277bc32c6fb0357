/// A hybrid logical clock reading: wall-clock milliseconds plus a counter.
///
/// Clinic clocks are wrong, so entries are ordered by an HLC (Kulkarni et al.): it never
/// runs backwards, stays close to physical time, and respects causality between sites.
public struct HybridTimestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch, as the clock believed.
    public var wallMillis: UInt64
    /// Breaks ties between readings in the same millisecond.
    public var counter: UInt32

    /// Creates a reading.
    public init(wallMillis: UInt64, counter: UInt32) {
        self.wallMillis = wallMillis
        self.counter = counter
    }

    /// Orders by wall-clock milliseconds, then by counter.
    public static func < (lhs: HybridTimestamp, rhs: HybridTimestamp) -> Bool {
        (lhs.wallMillis, lhs.counter) < (rhs.wallMillis, rhs.counter)
    }

    /// `wallMillis.counter`, for logs.
    public var description: String { "\(wallMillis).\(counter)" }
}
