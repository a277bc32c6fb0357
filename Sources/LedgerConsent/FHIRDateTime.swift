/// FHIR `dateTime` ⇄ milliseconds since the Unix epoch, UTC (Specs/consent.md §4.3).
///
/// Written by hand with the proleptic Gregorian day arithmetic of H. Hinnant's
/// `days_from_civil`, so parsing is exact, fast and independent of Foundation's calendars.
public enum FHIRDateTime {
    /// Smallest instant accepted: 0001-01-01T00:00:00.000Z.
    public static let minMillis: Int64 = -62_135_596_800_000
    /// Largest instant accepted: 9999-12-31T23:59:59.999Z.
    public static let maxMillis: Int64 = 253_402_300_799_999

    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss[.fff…](Z|±hh:mm)`.
    ///
    /// - Parameter roundUp: for a partial date, return the last millisecond it covers
    ///   (period ends are inclusive: `end: 2025-12-31` covers the whole day).
    /// - Returns: nil when the text is not a valid FHIR dateTime.
    public static func parse(_ text: String, roundUp: Bool = false) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[i] - 0x30)
            }
            return v
        }
        guard let year = digits(0, 4), year >= 1 else { return nil }
        if b.count == 4 {
            let start = daysFromCivil(year, 1, 1) * 86_400_000
            return roundUp ? daysFromCivil(year + 1, 1, 1) * 86_400_000 - 1 : start
        }
        guard b.count >= 7, b[4] == UInt8(ascii: "-"), let month = digits(5, 2), (1...12).contains(month) else { return nil }
        if b.count == 7 {
            let start = daysFromCivil(year, month, 1) * 86_400_000
            let next = month == 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1)
            return roundUp ? next * 86_400_000 - 1 : start
        }
        guard b.count >= 10, b[7] == UInt8(ascii: "-"), let day = digits(8, 2),
              day >= 1, day <= daysInMonth(year, month) else { return nil }
        let dayStart = daysFromCivil(year, month, day) * 86_400_000
        if b.count == 10 { return roundUp ? dayStart + 86_400_000 - 1 : dayStart }
        guard b.count >= 20, b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let hour = digits(11, 2), hour < 24, let minute = digits(14, 2), minute < 60,
              let second = digits(17, 2), second < 60 else { return nil }
        var i = 19
        var millis: Int64 = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            let count = i - fracStart
            guard count >= 1, count <= 9 else { return nil }
            for k in 0..<3 { millis = millis * 10 + (k < count ? Int64(b[fracStart + k] - 0x30) : 0) }
        }
        guard i < b.count else { return nil }
        var offsetMinutes: Int64 = 0
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"), let oh = digits(i + 1, 2), let om = digits(i + 4, 2),
                  oh <= 14, om < 60 else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let value = dayStart + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis
        guard value >= minMillis, value <= maxMillis else { return nil }
        return value
    }

    /// `YYYY-MM-DDThh:mm:ss.sssZ`, the one form CareLedger writes. Out-of-range values are clamped.
    public static func format(_ millis: Int64) -> String {
        let clamped = min(max(millis, minMillis), maxMillis)
        var days = clamped / 86_400_000
        var rest = clamped % 86_400_000
        if rest < 0 { rest += 86_400_000; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let ms = rest % 1000, secs = rest / 1000
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2)).\(pad(ms, 3))Z"
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func daysFromCivil(_ year: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
