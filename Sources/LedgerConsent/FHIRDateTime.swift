import LedgerCore

/// FHIR `dateTime` ⇄ milliseconds since the Unix epoch, UTC (Specs/consent.md §4.3).
///
/// A full date-time is RFC 3339 and goes through the one parser (`RFC3339`); FHIR adds the
/// partial forms `YYYY`, `YYYY-MM` and `YYYY-MM-DD`, read here with the same calendar.
public enum FHIRDateTime {
    /// Smallest instant accepted: 0001-01-01T00:00:00.000Z.
    public static let minMillis = RFC3339.minMillis
    /// Largest instant accepted: 9999-12-31T23:59:59.999Z.
    public static let maxMillis = RFC3339.maxMillis

    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss[.fff…](Z|±hh:mm)`.
    ///
    /// - Parameter roundUp: for a partial date, return the last millisecond it covers
    ///   (period ends are inclusive: `end: 2025-12-31` covers the whole day).
    /// - Returns: nil when the text is not a valid FHIR dateTime.
    public static func parse(_ text: String, roundUp: Bool = false) -> Int64? {
        let b = Array(text.utf8)
        guard b.count > 10 else { return parsePartial(b, roundUp: roundUp) }
        return RFC3339.millis(from: text)
    }

    /// `YYYY-MM-DDThh:mm:ss.sssZ`, the one form CareLedger writes. Out-of-range values are clamped.
    public static func format(_ millis: Int64) -> String { RFC3339.string(fromMillis: millis) }

    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: the first millisecond it covers, or the last with `roundUp`.
    private static func parsePartial(_ b: [UInt8], roundUp: Bool) -> Int64? {
        func digits(_ start: Int, _ count: Int) -> Int64? { RFC3339.digits(b, at: start, count: count) }
        let day = RFC3339.millisPerDay
        guard let year = digits(0, 4), year >= 1 else { return nil }
        if b.count == 4 {
            let start = RFC3339.daysFromCivil(year, 1, 1) * day
            return roundUp ? RFC3339.daysFromCivil(year + 1, 1, 1) * day - 1 : start
        }
        guard b.count >= 7, b[4] == UInt8(ascii: "-"), let month = digits(5, 2), (1...12).contains(month) else { return nil }
        if b.count == 7 {
            let start = RFC3339.daysFromCivil(year, month, 1) * day
            let next = month == 12 ? RFC3339.daysFromCivil(year + 1, 1, 1) : RFC3339.daysFromCivil(year, month + 1, 1)
            return roundUp ? next * day - 1 : start
        }
        guard b.count == 10, b[7] == UInt8(ascii: "-"), let dayOfMonth = digits(8, 2),
              dayOfMonth >= 1, dayOfMonth <= RFC3339.daysInMonth(year, month) else { return nil }
        let dayStart = RFC3339.daysFromCivil(year, month, dayOfMonth) * day
        return roundUp ? dayStart + day - 1 : dayStart
    }
}
