import Crypto
import LedgerCore
import LedgerSync
import TestSupport

/// An item whose id is SHA-256 of its bytes, as entries' ids are derived from their encoding.
func makeItem(_ bytes: [UInt8]) -> SyncItem {
    SyncItem(id: Hash32(bytes: Array(SHA256.hash(data: bytes))) ?? .zero, bytes: bytes)
}

/// `count` random items of about `size` bytes.
func randomItems(_ count: Int, size: Int = 40, using rng: inout SeededGenerator) -> [SyncItem] {
    (0..<count).map { _ in makeItem([0x01] + rng.bytes(max(0, size - 1))) }
}

/// Accepts an item only when its id is SHA-256 of its bytes and it is not marked forged.
struct HashCheckingVerifier: SyncItemVerifier {
    struct Forged: Error {}
    func verify(_ items: [SyncItem]) throws {
        for item in items {
            guard makeItem(item.bytes).id == item.id, item.bytes.first != 0xFF else { throw Forged() }
        }
    }
}

/// An in-memory site: its id set, its items, and an atomic commit that can be made to fail.
final class MemorySite: SyncItemStore, SyncItemProvider {
    private(set) var set = ReconcilableSet()
    var items: [Hash32: [UInt8]] = [:]
    var failCommits = false
    private(set) var commits = 0

    init(_ initial: [SyncItem] = []) { add(initial) }

    func add(_ new: [SyncItem]) {
        for item in new { items[item.id] = item.bytes }
        set.insert(contentsOf: new.map(\.id))
    }

    func setIDs(_ ids: ReconcilableSet) { set = ids }

    func commit(_ new: [SyncItem]) throws {
        struct DiskFull: Error {}
        if failCommits { throw DiskFull() }
        commits += 1
        add(new)
    }

    func itemBytes(for id: Hash32) throws -> [UInt8]? { items[id] }

    /// A fingerprint of everything stored, to show a rejection changed nothing.
    var state: [Hash32: [UInt8]] { items }
}

/// Runs one interactive exchange between two memory sites.
@discardableResult
func exchange(_ a: MemorySite, _ b: MemorySite, salt: [UInt8] = Array(repeating: 7, count: 16),
              chunk: Int? = nil, verifier: any SyncItemVerifier = HashCheckingVerifier()) -> LoopbackExchange.Report {
    var initiator = SyncEndpoint(session: ReconcileSession(role: .initiator, set: a.set, verifier: verifier), provider: a, store: a)
    var responder = SyncEndpoint(session: ReconcileSession(role: .responder, set: b.set, verifier: verifier), provider: b, store: b)
    return LoopbackExchange.run(initiator: &initiator, responder: &responder, salt: salt, chunk: chunk)
}

/// Site keys for bundle tests.
struct SiteKeys {
    let signing: Curve25519.Signing.PrivateKey
    let agreement: Curve25519.KeyAgreement.PrivateKey
    init() {
        signing = Curve25519.Signing.PrivateKey()
        agreement = Curve25519.KeyAgreement.PrivateKey()
    }
    var siteKey: Hash32 { Hash32(bytes: Array(signing.publicKey.rawRepresentation)) ?? .zero }
    var recipient: BundleRecipient { BundleRecipient(siteKey: siteKey, agreementKey: Array(agreement.publicKey.rawRepresentation)) }
    func writer() -> BundleWriter { BundleWriter(signingKey: signing, compressor: StoredCompressor()) }
    func reader(cap: Int = 1 << 30) -> BundleReader {
        BundleReader(siteKey: siteKey, agreementKey: agreement, compressor: StoredCompressor(), maxDecompressedBytes: cap)
    }
}

func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

/// The fixed recipient keys of `Tests/Vectors/bundle-vectors.json`.
struct FixedKeys {
    let reader: BundleReader
    init(_ file: VectorFile) throws {
        let agreement = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: file.bytes("recipient_agreement_private"))
        let siteKey = Hash32(hex: file.string("recipient_site_key")) ?? .zero
        reader = BundleReader(siteKey: siteKey, agreementKey: agreement, compressor: StoredCompressor())
    }
}
