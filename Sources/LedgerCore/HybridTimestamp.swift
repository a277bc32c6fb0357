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
    /// within one millisecond). Uses the proleptic Gregorian calendar (days-from-civil
    /// inverted), with no Foundation formatter and no time zone database.
    public var rfc3339: String {
        let millis = wallMillis % 1000
        let totalSeconds = wallMillis / 1000
        let days = Int64(totalSeconds / 86_400)
        let secondsOfDay = Int(totalSeconds % 86_400)
        // civil_from_days (H. Hinnant): day 0 is 1970-01-01.
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int64(secondsOfDay / 3600), 2)):"
            + "\(pad(Int64(secondsOfDay / 60 % 60), 2)):\(pad(Int64(secondsOfDay % 60), 2)).\(pad(Int64(millis), 3))Z"
    }
}
