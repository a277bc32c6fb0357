/// Nearest-rank percentiles of latency samples.
public enum Percentile {
    /// The nearest-rank `p`-th percentile (0 < p ≤ 100) of `sorted`, ascending; nil when empty.
    ///
    /// Nearest rank returns an actual sample, never an interpolation: the median of
    /// [10, 20] is 10 and the p95 of 20 samples is the 19th.
    public static func nearestRank(_ p: Double, of sorted: [Int64]) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
