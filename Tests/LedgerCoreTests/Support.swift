import Foundation
import LedgerCore
import TestSupport
import Testing

/// Paths and small builders shared by the LedgerCore tests.
enum Fixtures {
    /// `Tests/` (this file is `Tests/LedgerCoreTests/Support.swift`).
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// Loads `Tests/Vectors/NAME` as JSON.
    static func vector(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: testsFolder.appendingPathComponent("Vectors/\(name)"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Bytes from hex, failing the test on bad hex.
    static func bytes(_ hex: String) throws -> [UInt8] {
        try #require(Hex.decode(hex), "bad hex in a vector")
    }

    /// A hash from hex, failing the test on bad hex.
    static func hash(_ hex: String) throws -> Hash32 {
        try #require(Hash32(hex: hex), "bad hash in a vector")
    }

    static let network = Hash32.sha256(Array("fixtures network".utf8))

    /// A chain of `count` signed entries by `keys`, each linking to the previous one.
    static func chain(_ count: Int, keys: SiteKeys, rng: inout SeededGenerator) throws -> [Entry] {
        var entries = [Entry]()
        for i in 0..<count {
            let content = try EntryContent(
                networkID: network, author: keys.signingPublicKey, sequence: UInt64(i),
                links: entries.last.map { [$0.id] } ?? [],
                timestamp: HybridTimestamp(wallMillis: 1_764_000_000_000 + UInt64(i), counter: UInt32(i % 3)),
                kind: ["consent.version", "anchor", "trial.custody"][i % 3],
                payload: rng.bytes(Int(rng.next() % 300)))
            entries.append(try Entry.sign(content, with: keys))
        }
        return entries
    }

    /// Deterministic keys from a generator (tests must not depend on fresh randomness).
    static func keys(_ rng: inout SeededGenerator) throws -> SiteKeys {
        try SiteKeys(signingSeed: rng.bytes(32), agreementPrivateKey: rng.bytes(32))
    }
}
