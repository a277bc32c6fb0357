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


    @Test("the first head from a peer is kept with the time it was sent")
    func firstHeadIsKept() throws {
        let head = try Self.head(size: 4)
        let kept = PeerTreeHeadRecord.admit(head, sentAt: Self.at(10), held: nil)
        #expect(kept == TreeHeadVerdict(record: PeerTreeHeadRecord(head: head, lastHeard: Self.at(10))))
        #expect(kept.record?.peer == Self.keys.signingPublicKey)
    }

    @Test("the same head again changes nothing, and a later send of it only moves the last-heard time")
    func equalHeadIsIdempotent() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        #expect(PeerTreeHeadRecord.admit(held.head, sentAt: Self.at(10), held: held).changesNothing)
        #expect(PeerTreeHeadRecord.admit(held.head, sentAt: Self.at(5), held: held).changesNothing)
        #expect(PeerTreeHeadRecord.admit(held.head, sentAt: Self.at(20), held: held) == TreeHeadVerdict(record: PeerTreeHeadRecord(head: held.head, lastHeard: Self.at(20))))
    }

    @Test("a larger head replaces the held one, whenever it was sent")
    func largerHeadIsKept() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        let larger = try Self.head(size: 9)
        #expect(PeerTreeHeadRecord.admit(larger, sentAt: Self.at(20), held: held) == TreeHeadVerdict(record: PeerTreeHeadRecord(head: larger, lastHeard: Self.at(20))))
        #expect(PeerTreeHeadRecord.admit(larger, sentAt: Self.at(5), held: held) == TreeHeadVerdict(record: PeerTreeHeadRecord(head: larger, lastHeard: Self.at(10))))
    }

    @Test("a smaller head sent at or after the last one heard is rollback evidence, and the smaller head is kept from then on")
    func smallerLaterHeadIsARollback() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        let smaller = try Self.head(size: 3)
        for sent: UInt64 in [10, 11] {
            let verdict = PeerTreeHeadRecord.admit(smaller, sentAt: Self.at(sent), held: held)
            #expect(verdict.evidence == RollbackEvidence(kind: .rollback, kept: held.head, new: smaller), "sent at \(sent)")
            #expect(verdict.evidence?.isValidProof() == true)
            #expect(verdict.record == PeerTreeHeadRecord(head: smaller, lastHeard: Self.at(sent)))
        }
    }

    @Test("a smaller head sent before the last one heard is an old message arriving late: nothing changes")
    func smallerEarlierHeadIsStale() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        #expect(PeerTreeHeadRecord.admit(try Self.head(size: 1), sentAt: Self.at(9), held: held).changesNothing)
    }

    @Test("another root at the held size is fork evidence, whenever it was sent")
    func otherRootAtSameSizeIsAFork() throws {
        let held = PeerTreeHeadRecord(head: try Self.head(size: 4), lastHeard: Self.at(10))
        let other = try Self.head(size: 4, root: "another history")
        for sent: UInt64 in [1, 10, 30] {
            let verdict = PeerTreeHeadRecord.admit(other, sentAt: Self.at(sent), held: held)
            #expect(verdict.evidence == RollbackEvidence(kind: .fork, kept: held.head, new: other), "sent at \(sent)")
            #expect(verdict.evidence?.isValidProof() == true)
        }
    }

    @Test("evidence records round-trip, and a cut or unknown record is refused")
    func evidenceRoundTrips() throws {
        let rollback = RollbackEvidence(kind: .rollback, kept: try Self.head(size: 9), new: try Self.head(size: 2))
        let fork = RollbackEvidence(kind: .fork, kept: try Self.head(size: 4), new: try Self.head(size: 4, root: "other"))
        let bytes = rollback.encoded() + fork.encoded()
        #expect(try RollbackEvidence.decodeAll(bytes) == [rollback, fork])
        #expect(throws: CoreError.self) { try RollbackEvidence.decodeAll(Array(bytes.dropLast())) }
        var unknown = bytes
        unknown[1] = 7
        #expect(throws: CoreError.self) { try RollbackEvidence.decodeAll(unknown) }
        #expect(!RollbackEvidence(kind: .rollback, kept: fork.kept, new: fork.new).isValidProof())
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
