import LedgerPrimitives

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

extension HybridTimestamp {
    /// The wall-clock part as RFC 3339 UTC with milliseconds, e.g. `2025-11-24T16:00:00.123Z`.
    ///
    /// The CLI prints times this way; the counter is not shown (it only orders readings
    /// within one millisecond).
    public var rfc3339: String { RFC3339.string(fromMillis: Int64(clamping: wallMillis)) }
}

extension RFC3339 {
    /// The time a hybrid timestamp's wall part names, as `HybridTimestamp.rfc3339`.
    public static func string(from timestamp: HybridTimestamp) -> String { timestamp.rfc3339 }
}

extension ByteCursor {
    /// A timestamp as the entry and tree-head formats store it: wall millis u64, counter u32
    /// (Specs/entry-format.md §2).
    @inlinable
    package mutating func timestamp(_ field: String) throws(Failure) -> HybridTimestamp {
        try need(12, field)
        let wall: UInt64 = try integer(field, .bigEndian)
        let counter: UInt32 = try integer(field, .bigEndian)
        return HybridTimestamp(wallMillis: wall, counter: counter)
    }
}

extension ByteWriter {
    /// Writes `value` as `timestamp(_:)` reads it.
    @inlinable
    package mutating func timestamp(_ value: HybridTimestamp) {
        integer(value.wallMillis, .bigEndian)
        integer(value.counter, .bigEndian)
    }
}
