import Foundation
import LedgerCore
import LedgerSync
import TestSupport
import Testing

/// The sync-frame half of the bad-input catalogue: hostile byte streams and hostile peers
/// against a responder whose store is a real site ledger (a copy of the fixture's `hq`).
/// Each case checks its own `SyncError` code and that the data folder is byte-identical.
///
/// `Tests/LedgerSyncTests/SyncMessageCodecTests.swift` checks the codec's negative vectors
/// in isolation; these go through `SyncEndpoint` into a ledger on disk.
@Suite("Sync frame bad-input catalogue (endpoint over a real site ledger)")
struct SyncFrameCatalogueTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let code: SyncError.Code
        let stream: @Sendable (SyncFixture) throws -> [UInt8]
        var testDescription: String { name }
    }

    /// The valid HELLO of Tests/Vectors/sync-message-vectors.json ("hello-children").
    static let hello: [UInt8] = {
        let url = Repository.root.appendingPathComponent("Tests/Vectors/sync-message-vectors.json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let positive = object["positive"] as? [[String: Any]],
              let hex = positive.first(where: { $0["name"] as? String == "hello-children" })?["hex"] as? String else { return [] }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }()

    static let cases: [Case] = [
        Case(name: "an unknown message type", code: .unknownMessageType) { _ in [0x09, 0, 0, 0, 0] },
        Case(name: "a frame declaring a 4 GiB - 1 body", code: .oversizedMessage) { _ in [0x03, 0xFF, 0xFF, 0xFF, 0xFF] },
        Case(name: "a frame one byte over the 16 MiB cap", code: .oversizedMessage) { _ in [0x03, 0x01, 0x00, 0x00, 0x01] },
        Case(name: "a HELLO whose body ends inside its salt", code: .truncatedMessage) { _ in [0x01, 0, 0, 0, 3, 1, 0, 1] },
        Case(name: "a HELLO from a newer protocol version", code: .unsupportedVersion) { _ in
            SyncMessageCodec.encode(.hello(SyncHello(version: 2, salt: Array(repeating: 7, count: 16), reports: [])))
        },
        Case(name: "ITEMS before any HELLO", code: .unexpectedMessage) { f in
            SyncMessageCodec.encode(.items([SyncItem(id: f.clinicEntries[0].id, bytes: f.clinicEntries[0].encoded)]))
        },
        Case(name: "a varint that overflows 64 bits", code: .malformedMessage) { _ in
            [0x02, 0, 0, 0, 0x0b] + Array(repeating: 0xFF, count: 10) + [0x01]
        },
        Case(name: "a valid HELLO followed by a garbage frame", code: .unknownMessageType) { _ in
            try #require(!hello.isEmpty, "the HELLO vector is missing")
            return hello + [0xEE, 0, 0, 0, 1, 0]
        },
        Case(name: "an ABORT from the peer", code: .peerAborted) { _ in [0x05, 0, 0, 0, 2, 0, 2] },
    ]

    @Test("a hostile byte stream fails the exchange with its own code and stores nothing", arguments: cases)
    func hostileStream(_ c: Case) throws {
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy()
        let site = cli.folder + "/hq"
        let before = FolderSnapshot(site)
        let stream = try c.stream(fixture)
        do {
            let ledger = try SiteLedger.open(at: site)
            let store = LedgerStore(ledger: ledger)
            var responder = SyncEndpoint(session: ReconcileSession(role: .responder, set: try store.set(), verifier: EntryVerifier()),
                                         provider: store, store: store)
            for byte in stream { _ = responder.receive([byte]) }  // byte at a time, as a slow link delivers
            #expect(responder.error?.code == c.code, "expected \(c.code), got \(String(describing: responder.error))")
            #expect(store.commits == 0)
        }
        #expect(FolderSnapshot(site).differences(from: before).isEmpty)
    }

    /// A peer serving hostile bytes for the ids it announces.
    struct HostilePeer: Sendable {
        let name: String
        let tamper: @Sendable ([Entry]) -> [SyncItem]
    }

    static let peers: [HostilePeer] = [
        HostilePeer(name: "a flipped bit in an entry's payload (id no longer matches)") { entries in
            entries.enumerated().map { index, entry in
                var bytes = entry.encoded
                if index == entries.count - 1 { bytes[bytes.count - 70] ^= 0x01 }
                return SyncItem(id: entry.id, bytes: bytes)
            }
        },
        HostilePeer(name: "a flipped bit in an entry's signature") { entries in
            entries.enumerated().map { index, entry in
                var bytes = entry.encoded
                if index == entries.count - 1 { bytes[bytes.count - 1] ^= 0x01 }  // the clinic's own newest entry
                return SyncItem(id: entry.id, bytes: bytes)
            }
        },
        HostilePeer(name: "an entry truncated by one byte") { entries in
            entries.map { SyncItem(id: $0.id, bytes: Array($0.encoded.dropLast())) }
        },
    ]

    @Test("a peer sending a forged or malformed entry is cut off and nothing it sent is stored", arguments: peers.indices)
    func hostilePeer(_ index: Int) throws {
        let peer = Self.peers[index]
        let fixture = try SyncFixture.get()
        let cli = try fixture.copy()
        let site = cli.folder + "/hq"
        let before = FolderSnapshot(site)
        do {
            let ledger = try SiteLedger.open(at: site)
            let store = LedgerStore(ledger: ledger)
            let hostile = MemoryPeer(peer.tamper(fixture.clinicEntries))
            var initiator = SyncEndpoint(session: ReconcileSession(role: .initiator, set: hostile.set, verifier: EntryVerifier()),
                                         provider: hostile, store: hostile)
            var responder = SyncEndpoint(session: ReconcileSession(role: .responder, set: try store.set(), verifier: EntryVerifier()),
                                         provider: store, store: store)
            let report = LoopbackExchange.run(initiator: &initiator, responder: &responder, salt: Array(repeating: 3, count: 16))
            #expect(report.error?.code == .itemRejected || responder.error?.code == .itemRejected,
                    "\(peer.name): \(String(describing: report.error)) / \(String(describing: responder.error))")
            #expect(store.commits == 0, "\(peer.name)")
        }
        #expect(FolderSnapshot(site).differences(from: before).isEmpty, "\(peer.name)")
    }
}

/// Accepts an item only when it decodes as an entry, its id matches and its signature verifies.
struct EntryVerifier: SyncItemVerifier {
    struct Rejected: Error {}
    func verify(_ items: [SyncItem]) throws {
        for item in items {
            let entry = try Entry.decode(item.bytes)
            guard entry.id == item.id, entry.isSignatureValid() else { throw Rejected() }
        }
    }
}

/// A site ledger as the sync layer's store and provider.
final class LedgerStore: SyncItemStore, SyncItemProvider {
    let ledger: SiteLedger
    private(set) var commits = 0
    init(ledger: SiteLedger) { self.ledger = ledger }
    func set() throws -> ReconcilableSet {
        var ids: [Hash32] = []
        try ledger.forEachHeldEntry { id, _ in ids.append(id) }
        return ReconcilableSet(ids)
    }
    func commit(_ items: [SyncItem]) throws {
        commits += 1
        _ = try ledger.ingest(items.map(\.bytes))
    }
    func itemBytes(for id: Hash32) throws -> [UInt8]? { try ledger.encodedEntry(id: id) }
}

/// An in-memory peer that serves whatever bytes it was given.
final class MemoryPeer: SyncItemStore, SyncItemProvider {
    let set: ReconcilableSet
    let items: [Hash32: [UInt8]]
    init(_ items: [SyncItem]) {
        self.items = Dictionary(items.map { ($0.id, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        set = ReconcilableSet(items.map(\.id))
    }
    func commit(_ items: [SyncItem]) throws {}
    func itemBytes(for id: Hash32) throws -> [UInt8]? { items[id] }
}
