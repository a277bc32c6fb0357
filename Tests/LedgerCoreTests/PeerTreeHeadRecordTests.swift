import LedgerCore
import TestSupport
import Testing

/// The rule that judges a peer's signed tree head against the one kept from it
/// (`PeerTreeHeadRecord.admit`, Specs/bundle-format.md §5.1), without any I/O.
@Suite("Peer tree head records")
struct PeerTreeHeadRecordTests {
    static let keys: SiteKeys = {
        var rng = SeededGenerator(seed: 5_151)
        return (try? Fixtures.keys(&rng)) ?? SiteKeys.generate()
    }()

    static func head(size: UInt64, root: String = "history") throws -> SignedTreeHead {
        try SignedTreeHead.sign(networkID: Fixtures.network, treeSize: size, rootHash: Hash32.sha256(Array("\(root) \(size)".utf8)),
                                timestamp: HybridTimestamp(wallMillis: 1_000 + size, counter: 0), keys: keys)
    }

    static func at(_ millis: UInt64) -> HybridTimestamp { HybridTimestamp(wallMillis: millis, counter: 0) }

    static func code(_ body: () throws -> PeerTreeHeadRecord?) -> CoreError.Code? {
        do { _ = try body(); return nil } catch let error as CoreError { return error.code } catch { return nil }
    }

    @Test("the first head from a peer is kept with the time it was sent")
    func firstHeadIsKept() throws {
        let head = try Self.head(size: 4)
        let kept = try PeerTreeHeadRecord.admit(head, sentAt: Self.at(10), held: nil)
        #expect(kept == PeerTreeHeadRecord(head: head, lastHeard: Self.at(10)))
        #expect(kept?.peer == Self.keys.signingPublicKey)
    }

    @Test("the same head again changes nothing, and a later send of it only moves the last-heard time")
    func equalHeadIsIdempotent() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        #expect(try PeerTreeHeadRecord.admit(held.head, sentAt: Self.at(10), held: held) == nil)
        #expect(try PeerTreeHeadRecord.admit(held.head, sentAt: Self.at(5), held: held) == nil)
        #expect(try PeerTreeHeadRecord.admit(held.head, sentAt: Self.at(20), held: held) == PeerTreeHeadRecord(head: held.head, lastHeard: Self.at(20)))
    }

    @Test("a larger head replaces the held one, whenever it was sent")
    func largerHeadIsKept() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        let larger = try Self.head(size: 9)
        #expect(try PeerTreeHeadRecord.admit(larger, sentAt: Self.at(20), held: held) == PeerTreeHeadRecord(head: larger, lastHeard: Self.at(20)))
        #expect(try PeerTreeHeadRecord.admit(larger, sentAt: Self.at(5), held: held) == PeerTreeHeadRecord(head: larger, lastHeard: Self.at(10)))
    }

    @Test("a smaller head sent at or after the last one heard is a rollback")
    func smallerLaterHeadIsARollback() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        let smaller = try Self.head(size: 3)
        #expect(Self.code { try PeerTreeHeadRecord.admit(smaller, sentAt: Self.at(11), held: held) } == .treeHeadRolledBack)
        #expect(Self.code { try PeerTreeHeadRecord.admit(smaller, sentAt: Self.at(10), held: held) } == .treeHeadRolledBack)
    }

    @Test("a smaller head sent before the last one heard is an old message arriving late: nothing changes")
    func smallerEarlierHeadIsStale() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        #expect(try PeerTreeHeadRecord.admit(try Self.head(size: 1), sentAt: Self.at(9), held: held) == nil)
    }

    @Test("another root at the held size is a fork, whenever it was sent")
    func otherRootAtSameSizeIsAFork() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        let other = try Self.head(size: 4, root: "another history")
        for sent: UInt64 in [1, 10, 30] {
            #expect(Self.code { try PeerTreeHeadRecord.admit(other, sentAt: Self.at(sent), held: held) } == .treeHeadForked, "sent at \(sent)")
        }
    }

    @Test("a record round-trips through its encoding, and every truncation or trailing byte is refused")
    func encodingRoundTripsAndRejectsDamage() throws {
        let record = PeerTreeHeadRecord(head: try Self.head(size: 7), lastHeard: HybridTimestamp(wallMillis: 0x0102_0304_0506_0708, counter: 0x0A0B_0C0D))
        let bytes = record.encoded()
        #expect(bytes.count == PeerTreeHeadRecord.encodedSize)
        #expect(try PeerTreeHeadRecord(decoding: bytes) == record)
        for length in 0..<bytes.count {
            #expect(throws: CoreError.self, "cut at \(length)") { try PeerTreeHeadRecord(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: CoreError.self) { try PeerTreeHeadRecord(decoding: bytes + [0]) }
        var newer = bytes
        newer[0] = 2
        #expect(throws: CoreError.self) { try PeerTreeHeadRecord(decoding: newer) }
    }
}
