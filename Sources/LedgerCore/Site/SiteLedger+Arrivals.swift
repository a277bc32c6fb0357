import Foundation

/// Sharing latency samples of one import: how long entries of one author took to arrive here.
public struct ArrivalSample: Codable, Sendable, Equatable {
    /// When they arrived, RFC 3339 UTC.
    public var time: String
    /// The author whose entries arrived.
    public var author: String
    /// How many of its entries arrived.
    public var count: Int
    /// Milliseconds from each entry's creation (its HLC wall time) to its arrival, at most 1,000 samples.
    public var latenciesMs: [Int64]

    enum CodingKeys: String, CodingKey { case time, author, count, latenciesMs = "latencies_ms" }
}

extension SiteLedger {
    /// Records, per author, the latency of entries that just arrived from other sites.
    public func recordArrivals(_ ids: [Hash32]) throws {
        try recordArrivals(entries: ids.compactMap { try entry(id: $0) })
    }

    /// Records, per author, the latency of entries that just arrived from other sites.
    public func recordArrivals(entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        let now = Date()
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        var byAuthor: [Hash32: [Int64]] = [:]
        var counts: [Hash32: Int] = [:]
        for entry in entries {
            guard entry.author != siteKey else { continue }
            counts[entry.author, default: 0] += 1
            if byAuthor[entry.author, default: []].count < 1000 {
                byAuthor[entry.author, default: []].append(max(0, nowMillis - Int64(entry.timestamp.wallMillis)))
            }
        }
        for (author, latencies) in byAuthor.sorted(by: { $0.key < $1.key }) {
            try appendHistory(ArrivalSample(time: RFC3339.string(from: now), author: author.hex,
                                            count: counts[author] ?? latencies.count, latenciesMs: latencies),
                              to: "arrivals.jsonl")
        }
    }

    /// Every recorded arrival sample, oldest first.
    public func arrivalSamples() -> [ArrivalSample] { readHistory(ArrivalSample.self, from: "arrivals.jsonl") }
}
