import Foundation

/// Axis ranges and tick positions chosen so that tick labels are round numbers.
enum PlotScale {
    /// Ticks from 0 to at least `maximum` with a step of 1, 2 or 5 × 10^k (about `count` of them).
    static func linearTicks(maximum: Double, count: Int = 5) -> [Double] {
        let top = maximum > 0 ? maximum : 1
        let raw = top / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let ticks = Int((top / step).rounded(.up))
        return (0...max(1, ticks)).map { Double($0) * step }
    }

    /// Ticks for counts: whole numbers only, from 0 to at least `maximum`.
    static func countTicks(maximum: Int, count: Int = 5) -> [Double] {
        let ticks = linearTicks(maximum: Double(max(1, maximum)), count: count)
        let step = ticks.count > 1 ? ticks[1] : 1
        if step >= 1 { return ticks }
        return (0...max(1, maximum)).map(Double.init)
    }

    /// A unit that keeps latency labels short: ms, s, min or h, chosen by the largest value.
    static func durationUnit(maximumMs: Double) -> (name: String, divisor: Double) {
        switch maximumMs {
        case ..<10_000: return ("ms", 1)
        case ..<600_000: return ("s", 1000)
        case ..<36_000_000: return ("min", 60_000)
        default: return ("h", 3_600_000)
        }
    }

    /// Time ticks (ms since the epoch) at a round step covering `range`, about `count` of them.
    static func timeTicks(from start: Int64, to end: Int64, count: Int = 6) -> (ticks: [Int64], step: Int64) {
        let span = max(1, end - start)
        let steps: [Int64] = [1, 2, 5, 10, 20, 50, 100, 200, 500,
                              1000, 2000, 5000, 10_000, 15_000, 30_000,
                              60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
                              3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000,
                              86_400_000, 172_800_000, 604_800_000, 2_592_000_000, 31_536_000_000]
        let raw = span / Int64(max(1, count))
        let step = steps.first { $0 >= raw } ?? steps[steps.count - 1]
        var tick = (start / step) * step
        if tick < start { tick += step }
        var ticks: [Int64] = []
        while tick <= end, ticks.count < 50 {
            ticks.append(tick)
            tick += step
        }
        return (ticks, step)
    }

    /// A short UTC label for a time tick: the date when the step is a day or more, else the time.
    static func timeLabel(_ millis: Int64, step: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let (mo, d, h, mi, s) = (c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        if step >= 86_400_000 { return String(format: "%04d-%02d-%02d", c.year ?? 0, mo, d) }
        if step >= 60_000 { return String(format: "%02d-%02d %02d:%02d", mo, d, h, mi) }
        if step >= 1000 { return String(format: "%02d:%02d:%02d", h, mi, s) }
        return String(format: "%02d:%02d:%02d.%03d", h, mi, s, Int(((millis % 1000) + 1000) % 1000))
    }

    /// A number for an axis label: no decimals when whole, else up to two.
    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.2f", value).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }
}
