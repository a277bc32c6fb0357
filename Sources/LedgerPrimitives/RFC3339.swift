import Foundation

/// RFC 3339 date-times ⇄ milliseconds since the Unix epoch: the one formatter and parser.
///
/// Written by hand with the proleptic Gregorian day arithmetic of H. Hinnant's
/// `days_from_civil` / `civil_from_days`: no Foundation formatter, no calendar or time-zone
/// database, no shared mutable state (so it is thread-safe), and formatting allocates only
/// the returned string. Years 0001–9999, as RFC 3339 allows.
public enum RFC3339 {
    /// Smallest instant written or accepted: 0001-01-01T00:00:00.000Z.
    public static let minMillis: Int64 = -62_135_596_800_000
    /// Largest instant written or accepted: 9999-12-31T23:59:59.999Z.
    public static let maxMillis: Int64 = 253_402_300_799_999
    /// Milliseconds in a day.
    public static let millisPerDay: Int64 = 86_400_000

    // MARK: Formatting

    /// `YYYY-MM-DDThh:mm:ss.sssZ` (UTC, milliseconds), the one form CareLedger writes.
    /// Instants outside `minMillis...maxMillis` are clamped.
    public static func string(fromMillis millis: Int64) -> String {
        let clamped = min(max(millis, minMillis), maxMillis)
        var days = clamped / millisPerDay
        var rest = clamped % millisPerDay
        if rest < 0 {
            rest += millisPerDay
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        let seconds = rest / 1000
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ value: Int64, width: Int, at start: Int) {
                var rest = value
                for index in stride(from: start + width - 1, through: start, by: -1) {
                    out[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
            }
            put(year, width: 4, at: 0)
            out[4] = UInt8(ascii: "-")
            put(month, width: 2, at: 5)
            out[7] = UInt8(ascii: "-")
            put(day, width: 2, at: 8)
            out[10] = UInt8(ascii: "T")
            put(seconds / 3600, width: 2, at: 11)
            out[13] = UInt8(ascii: ":")
            put(seconds / 60 % 60, width: 2, at: 14)
            out[16] = UInt8(ascii: ":")
            put(seconds % 60, width: 2, at: 17)
            out[19] = UInt8(ascii: ".")
            put(rest % 1000, width: 3, at: 20)
            out[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// `date` as `YYYY-MM-DDThh:mm:ss.sssZ`, rounded to the nearest millisecond.
    public static func string(from date: Date) -> String {
        string(fromMillis: millis(of: date))
    }

    /// `date` in whole milliseconds since the epoch (nearest, clamped to the writable range).
    public static func millis(of date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return value < 0 ? minMillis : maxMillis }
        return Int64(min(max(value, Double(minMillis)), Double(maxMillis)))
    }

    // MARK: Parsing

    /// Parses an RFC 3339 date-time, `YYYY-MM-DDThh:mm:ss[.f…](Z|±hh:mm)`, with 1 to 9
    /// fraction digits (read to the millisecond, the rest truncated).
    /// - Returns: milliseconds since the epoch, UTC; nil for anything else or out of range.
    public static func millis<Text: StringProtocol>(from text: Text) -> Int64? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable(parse) { return parsed }
        return Array(text.utf8).withUnsafeBufferPointer(parse)
    }

    /// Parses as `millis(from:)`, as a `Date`.
    public static func date(from text: String) -> Date? {
        millis(from: text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// The decimal number written by the `count` ASCII digits at `start` of `text`; nil when
    /// any is not a digit or the text is shorter.
    public static func digits<Text: RandomAccessCollection>(_ text: Text, at start: Int, count: Int) -> Int64?
    where Text.Element == UInt8, Text.Index == Int {
        guard start >= 0, start + count <= text.count else { return nil }
        var value: Int64 = 0
        for index in start..<(start + count) {
            let byte = text[text.startIndex + index]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        func digits(_ start: Int, _ count: Int) -> Int64? { Self.digits(b, at: start, count: count) }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(0, 4), year >= 1, let month = digits(5, 2), (1...12).contains(month),
              let day = digits(8, 2), day >= 1, day <= daysInMonth(year, month),
              let hour = digits(11, 2), hour < 24, let minute = digits(14, 2), minute < 60,
              let second = digits(17, 2), second < 60
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 { index += 1 }
            let count = index - fractionStart
            guard count >= 1, count <= 9 else { return nil }
            for k in 0..<3 { millis = millis * 10 + (k < count ? Int64(b[fractionStart + k] - 0x30) : 0) }
        }
        guard index < b.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch b[index] {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == b.count, b[index + 3] == UInt8(ascii: ":"), let hours = digits(index + 1, 2),
                  let minutes = digits(index + 4, 2), hours <= 14, minutes < 60 else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (b[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let value = daysFromCivil(year, month, day) * millisPerDay
            + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis
        guard value >= minMillis, value <= maxMillis else { return nil }
        return value
    }

    // MARK: Calendar

    /// Days in `month` (1–12) of the proleptic Gregorian `year`.
    public static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian, may be negative).
    public static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date `days` after 1970-01-01 (the inverse of `daysFromCivil`).
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
