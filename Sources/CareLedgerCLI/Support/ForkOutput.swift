import LedgerCore

/// One fork as `verify` and `stats` show it: the author, the position both entries claim,
/// and both signed entries' ids (Specs/site-layout.md §4), so the evidence can be fetched
/// with `careledger log` or handed on.
struct ForkOutput: Encodable, Equatable {
    let author: String
    let sequence: UInt64
    let entryIds: [String]

    /// The forks in (author, sequence) order.
    static func list(_ forks: [ForkEvidence]) -> [ForkOutput] {
        forks.sorted { ($0.author, $0.sequence) < ($1.author, $1.sequence) }
            .map { ForkOutput(author: $0.author.hex, sequence: $0.sequence, entryIds: $0.entries.map(\.hex)) }
    }

    /// One line per fork, for people.
    static func printList(_ forks: [ForkEvidence]) {
        for fork in list(forks) {
            print("fork  author \(fork.author) sequence \(fork.sequence): \(fork.entryIds.joined(separator: " "))")
        }
    }
}
