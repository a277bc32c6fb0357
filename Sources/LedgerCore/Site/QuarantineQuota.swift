/// How many entries of authors that are not admitted a site keeps in quarantine
/// (Specs/charter.md §4.1, Specs/site-layout.md §4.1).
///
/// A resource limit of one site, not a network rule: it lives in the site's `site.json`
/// (`quarantine_quota`), and a site without one uses ``standard``. Entries of members
/// (waiting for a predecessor, or signed after a revocation) are never counted nor dropped.
public struct QuarantineQuota: Codable, Sendable, Equatable {
    /// Most entries kept per author that is not admitted: its lowest sequences, in arrival order.
    public var perAuthor: Int
    /// Most entries kept of all authors that are not admitted together.
    public var total: Int

    /// The quota of a site whose `site.json` names none: 10,000 per author, 100,000 in all.
    public static let standard = QuarantineQuota(perAuthor: 10_000, total: 100_000)

    /// Creates a quota; values below zero count as zero (nothing is kept).
    public init(perAuthor: Int, total: Int) {
        self.perAuthor = max(0, perAuthor)
        self.total = max(0, total)
    }

    enum CodingKeys: String, CodingKey {
        case perAuthor = "per_author", total
    }

    /// Decodes a quota, clamping negative values to zero.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(perAuthor: try container.decode(Int.self, forKey: .perAuthor), total: try container.decode(Int.self, forKey: .total))
    }
}

/// What a site has dropped from its quarantine to stay within its ``QuarantineQuota``.
public struct QuarantineDropCount: Sendable, Equatable, Codable {
    /// Entries refused on arrival or dropped later (an entry offered again after it was
    /// dropped is counted again: the count measures what the site turned away).
    public var entries: Int
    /// Distinct authors with at least one dropped entry.
    public var authors: Int

    /// Creates a count.
    public init(entries: Int, authors: Int) {
        self.entries = entries
        self.authors = authors
    }
}
