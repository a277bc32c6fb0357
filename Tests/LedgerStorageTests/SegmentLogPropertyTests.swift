import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

@Suite("Segment log properties")
struct SegmentLogPropertyTests {
    @Test("Random batches, sizes, seals and reopens always read back exactly what was appended", arguments: 0..<12)
    func randomHistoriesReadBack(run: Int) throws {
        let seed: UInt64 = 0xCA7E_0000 + UInt64(run)
        var generator = SeededGenerator(seed: seed)
        let directory = try TemporaryDirectory(prefix: "careledger-prop")
        defer { directory.remove() }
        let block = 64 + Int(generator.next() % 1024)
        let segment = UInt64(512 + generator.next() % 8192)
        func open() throws -> SegmentLog { try SegmentLog(directory: directory.path, options: smallOptions(block: block, segment: segment)) }
        var log = try open()
        var expected: [(key: [UInt8], value: [UInt8])] = []
        var locations: [RecordLocation] = []
        for _ in 0..<(10 + Int(generator.next() % 30)) {
            let count = 1 + Int(generator.next() % 20)
            let batch = (0..<count).map { _ -> (key: [UInt8], value: [UInt8]) in
                let size = generator.next() % 10 == 0 ? Int(generator.next() % 3000) : Int(generator.next() % 200)
                let repetitive = generator.next() % 2 == 0
                let value = repetitive ? [UInt8](repeating: UInt8(truncatingIfNeeded: size), count: size) : generator.bytes(size)
                return (generator.bytes(32), value)
            }
            locations += try log.append(batch)
            expected += batch
            switch generator.next() % 8 {
            case 0:
                log.close()
                log = try open()
                #expect(log.recoveryReports.isEmpty, "seed \(seed)")
            case 1: try log.sealActiveSegment()
            default: break
            }
        }
        #expect(log.recordCount == UInt64(expected.count), "seed \(seed)")
        for _ in 0..<50 {
            let ordinal = Int(generator.next() % UInt64(expected.count))
            let stored = try log.read(at: locations[ordinal])
            #expect(Array(stored.value) == expected[ordinal].value, "seed \(seed) ordinal \(ordinal)")
            #expect(try log.location(forKey: expected[ordinal].key) == locations[ordinal], "seed \(seed) ordinal \(ordinal)")
        }
        let start = Int(generator.next() % UInt64(expected.count))
        var ordinal = start
        try log.scan(from: UInt64(start)) { stored in
            #expect(stored.location == locations[ordinal], "seed \(seed)")
            #expect(Array(stored.key) == expected[ordinal].key && Array(stored.value) == expected[ordinal].value, "seed \(seed)")
            ordinal += 1
            return true
        }
        #expect(ordinal == expected.count, "seed \(seed)")
        #expect(try log.verify().isEmpty, "seed \(seed)")
        let statistics = try log.statistics()
        #expect(statistics.rawBytes == UInt64(expected.reduce(0) { $0 + $1.value.count }), "seed \(seed)")
        #expect(statistics.records == UInt64(expected.count), "seed \(seed)")
    }
}
