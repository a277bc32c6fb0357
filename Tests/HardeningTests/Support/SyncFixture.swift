import Crypto
import Foundation
import LedgerCore
import LedgerSync
import TestSupport
import Testing

/// A small network built with the real `careledger` binary, and a genuine bundle from
/// `clinic` to `hq`, kept as a template: each test case copies the sites it attacks.
///
/// Sites: `hq` (founder, governance), `clinic` and `clinic2` (admitted), `outsider`
/// (joined, never admitted). `clinic` appended three anchors; `good.clbundle` carries
/// everything `clinic` holds, addressed to `hq`; `outsider.clbundle` is the outsider's.
struct SyncFixture: Sendable {
    /// The folder holding the template's sites and bundles (never modified after building).
    let template: String
    /// `good.clbundle`'s bytes.
    let goodBundle: [UInt8]
    /// The clinic's keys (the attacker who stole a member's key can sign with them).
    let clinicKeys: SiteKeys
    /// hq's public keys (the recipient).
    let hqSigningKey: Hash32
    let hqAgreementKey: Hash32
    /// Every entry the clinic holds, decoded.
    let clinicEntries: [Entry]

    /// Why the fixture could not be built; thrown by every test that needs it (an
    /// `ExpectationFailedError` rethrown would pass those tests silently).
    struct BuildFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Built once per test process; every test copies what it needs.
    static let shared: Result<SyncFixture, BuildFailed> = Result { () throws(BuildFailed) -> SyncFixture in
        do { return try SyncFixture.build() } catch { throw BuildFailed(description: "the sync fixture could not be built: \(error)") }
    }

    /// The fixture, or the error that stopped it being built.
    static func get() throws -> SyncFixture { try shared.get() }

    private static func build() throws -> SyncFixture {
        let folder = try TemporaryDirectory(prefix: "hardening-sync").path
        let cli = Binary(folder: folder)
        _ = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        let hq = try cli.json(["identity", "--dir", "hq"])
        guard hq["agreement_key"] is String else { throw BuildFailed(description: "identity --json has no agreement_key: \(hq)") }
        _ = try cli.json(["network", "genesis", "--dir", "hq", "--out", "genesis.json"])
        for site in ["clinic", "clinic2", "outsider"] {
            let joined = try cli.json(["init", "--dir", site, "--site", site, "--genesis", "genesis.json", "--role", "clinic"])
            guard site != "outsider" else { continue }
            let key = try #require(joined["site_key"] as? String), agreement = try #require(joined["agreement_key"] as? String)
            _ = try cli.json(["members", "admit", "--dir", "hq", "--key", key, "--agreement-key", agreement, "--name", site, "--role", "clinic"])
        }
        let lines = (0..<3).map { "{\"record\":\"\($0)\",\"sha256\":\"\(String(repeating: "ab", count: 32))\"}" }.joined(separator: "\n") + "\n"
        try Data(lines.utf8).write(to: URL(fileURLWithPath: folder + "/anchors.jsonl"))
        for site in ["clinic", "outsider"] {
            _ = try cli.json(["append", "--dir", site, "--kind", "anchor", "--jsonl", "anchors.jsonl"])
            _ = try cli.json(["bundle", "export", "--dir", site, "--to", "hq", "--out", site == "clinic" ? "good.clbundle" : "outsider.clbundle"])
        }
        let keys = try SiteKeys.load(from: SiteLayout(root: folder + "/clinic").keyFile)
        var entries: [Entry] = []
        do {
            let ledger = try SiteLedger.open(at: folder + "/clinic")
            try ledger.forEachEntry { _, entry in entries.append(entry) }
        }
        let good = try #require(FileManager.default.contents(atPath: folder + "/good.clbundle"))
        let hqKey = try #require(hq["site_key"] as? String), hqAgreement = try #require(hq["agreement_key"] as? String)
        return SyncFixture(template: folder, goodBundle: Array(good), clinicKeys: keys,
                           hqSigningKey: try #require(Hash32(hex: hqKey)), hqAgreementKey: try #require(Hash32(hex: hqAgreement)),
                           clinicEntries: entries)
    }

    /// A fresh copy of the template's `site` (and the genesis file) in a new folder.
    func copy(_ sites: [String] = ["hq"]) throws -> Binary {
        let folder = try TemporaryDirectory(prefix: "hardening-case").path
        for site in sites { try copyFolder(template + "/" + site, to: folder + "/" + site) }
        return Binary(folder: folder)
    }
}

/// Byte surgery on bundles (Specs/bundle-format.md §2), re-signing when the attacker holds
/// the sender's key.
enum BundleBytes {
    /// R, the number of recipients, at offset 72.
    static func recipientCount(_ b: [UInt8]) -> Int { Int(b[72]) << 8 | Int(b[73]) }
    /// Offset of the declared size.
    static func declaredSizeOffset(_ b: [UInt8]) -> Int { 74 + 88 * recipientCount(b) }
    /// Offset of the signature (end of the signed bytes).
    static func signatureOffset(_ b: [UInt8]) -> Int {
        let c = declaredSizeOffset(b) + 8
        let length = b[c..<c + 8].reduce(0) { $0 << 8 | Int($1) }
        return c + 8 + length
    }

    /// Recomputes the trailing checksum (damage that an honest checksum then covers).
    static func rechecksum(_ b: [UInt8]) -> [UInt8] {
        let end = b.count - 32
        return Array(b[..<end]) + Array(SHA256.hash(data: b[..<end]))
    }

    /// Re-signs the signed bytes with `key` and recomputes the checksum.
    static func resign(_ b: [UInt8], with key: Curve25519.Signing.PrivateKey) throws -> [UInt8] {
        let end = signatureOffset(b)
        let message = Array("careledger bundle v1 signature".utf8) + Array(SHA256.hash(data: b[..<end]))
        let signature = Array(try key.signature(for: message))
        return rechecksum(Array(b[..<end]) + signature + Array(repeating: 0, count: 32))
    }

    /// Writes a big-endian integer of `width` bytes at `offset`.
    static func put(_ value: UInt64, width: Int, at offset: Int, in b: inout [UInt8]) {
        for i in 0..<width { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(width - 1 - i))) }
    }
}
