import Crypto
import LedgerCore
import Testing
import TestSupport
@testable import LedgerSync

@Suite("Sync message codec")
struct SyncMessageCodecTests {
    /// The messages the positive vectors name, built in Swift.
    static func expected(_ vector: VectorFile) -> SyncMessage? {
        let salt = (0..<16).map { UInt8($0) }
        let a = IdPrefix(of: Hash32(hex: "a" + String(repeating: "0", count: 63)) ?? .zero, depth: 1)
        let abc = IdPrefix(of: Hash32(hex: "abc" + String(repeating: "0", count: 61)) ?? .zero, depth: 3)
        switch vector.string("name") {
        case "step-empty": return .step([])
        case "abort-item-rejected": return .abort(code: 2)
        case "hello-children":
            return .hello(SyncHello(salt: salt, reports: [.children(.root, present: 0x8001, fingerprints: [0x0102030405060708, 0x1112131415161718])]))
        case "step-ids-and-need":
            return .step([.ids(a, shortIDs: [1, 2]), .need(abc, shortIDs: [UInt64.max])])
        case "items-one":
            return .items([SyncItem(id: Hash32(bytes: Array(SHA256.hash(data: Array("x".utf8)))) ?? .zero, bytes: Array("hello".utf8))])
        case let name where name.hasPrefix("summary"):
            let ids = vector.strings("ids").compactMap(Hash32.init(hex:))
            let limit = vector.int("limit") > 0 ? vector.int("limit") : 1
            return .summary(SummarySnapshot(of: ReconcilableSet(ids), salt: vector.bytes("salt"), maxRangeCount: limit))
        default: return nil
        }
    }

    @Test("every positive vector decodes to its message and re-encodes byte for byte")
    func positiveVectors() throws {
        let file = try VectorFile.load("sync-message-vectors.json")
        #expect(file.array("positive").count >= 7)
        for vector in file.array("positive") {
            let bytes = vector.bytes("hex")
            let message = try #require(Self.expected(vector), "\(vector.string("name"))")
            #expect(SyncMessageCodec.encode(message) == bytes, "\(vector.string("name")) encodes")
            #expect(try SyncMessageCodec.decode(frame: bytes) == message, "\(vector.string("name")) decodes")
        }
    }

    @Test("every positive vector decodes when fed one byte at a time, and all of them in one stream")
    func byteAtATime() throws {
        let file = try VectorFile.load("sync-message-vectors.json")
        var stream: [UInt8] = []
        var expected: [SyncMessage] = []
        for vector in file.array("positive") {
            stream += vector.bytes("hex")
            expected.append(try #require(Self.expected(vector)))
        }
        var decoder = SyncMessageDecoder()
        var decoded: [SyncMessage] = []
        for byte in stream { decoded += try decoder.feed([byte]) }
        #expect(decoded == expected)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("every negative vector fails with its own code, whole or byte at a time")
    func negativeVectors() throws {
        let file = try VectorFile.load("sync-message-vectors.json")
        #expect(file.array("negative").count >= 15)
        for vector in file.array("negative") {
            let bytes = vector.bytes("hex")
            let name = vector.string("name")
            var decoder = SyncMessageDecoder()
            var caught: SyncError?
            do {
                for byte in bytes { _ = try decoder.feed([byte]) }
                _ = try SyncMessageCodec.decode(frame: bytes)
            } catch {
                caught = error
            }
            #expect(caught?.code.name == vector.string("code"), "\(name): got \(String(describing: caught))")
            #expect(caught?.offset != nil, "\(name) names an offset")
        }
    }

    @Test("an oversized frame is rejected from its header alone, before its body arrives")
    func oversizedRejectedEarly() {
        var decoder = SyncMessageDecoder(limits: { var l = SyncLimits(); l.maxMessageBytes = 100; return l }())
        #expect(throws: SyncError.self) { try decoder.feed([0x03, 0x00, 0x00, 0x00, 0x65]) }
        // A failed decoder stays failed.
        #expect(throws: SyncError.self) { try decoder.feed(SyncMessageCodec.encode(.step([]))) }
    }

    @Test("a truncated frame yields no message and stays buffered; decode(frame:) calls it truncated")
    func truncatedFrame() {
        let frame = SyncMessageCodec.encode(.abort(code: 4))
        for cut in 0..<frame.count {
            var decoder = SyncMessageDecoder()
            #expect((try? decoder.feed(frame.prefix(cut)))?.isEmpty == true)
            #expect(throws: SyncError.self) { try SyncMessageCodec.decode(frame: Array(frame.prefix(cut))) }
        }
    }

    @Test("mutated frames either fail with a code or decode to a message that re-encodes to the same bytes")
    func mutationsAreCanonicalOrRejected() throws {
        let file = try VectorFile.load("sync-message-vectors.json")
        let seeds = file.array("positive").map { $0.bytes("hex") }
        var rng = SeededGenerator(seed: 2024)
        var accepted = 0, rejected = 0
        for round in 0..<3_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[at] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
                case 1: bytes.remove(at: at)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                }
            }
            do {
                let message = try SyncMessageCodec.decode(frame: bytes)
                #expect(SyncMessageCodec.encode(message) == bytes, "seed 2024 round \(round)")
                accepted += 1
            } catch {
                #expect(!error.code.name.isEmpty)
                rejected += 1
            }
        }
        #expect(rejected > 1_000 && accepted + rejected == 3_000)
    }

    @Test("random messages round-trip through the codec")
    func randomRoundTrip() throws {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<200 {
            let id = Hash32(bytes: rng.bytes(32)) ?? .zero
            let prefix = IdPrefix(of: id, depth: Int(rng.next() % 65))
            let list = Set((0..<Int(rng.next() % 20)).map { _ in rng.next() }).sorted()
            let message: SyncMessage
            switch rng.next() % 4 {
            case 0: message = .step([.ids(prefix, shortIDs: list)])
            case 1: message = list.isEmpty ? .step([]) : .step([.need(prefix, shortIDs: list)])
            case 2: message = .items(randomItems(Int(rng.next() % 5), using: &rng))
            default:
                let p = prefix.depth == 64 ? IdPrefix.root : prefix
                message = .step([.children(p, present: 0x0f0f, fingerprints: (0..<8).map { _ in rng.next() })])
            }
            #expect(try SyncMessageCodec.decode(frame: SyncMessageCodec.encode(message)) == message, "seed 99")
        }
    }
}
