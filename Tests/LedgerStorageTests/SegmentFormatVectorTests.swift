import Foundation
import LZ4Codec
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

/// Tests/Vectors/segment-format-v1.json.
struct SegmentVector: Decodable {
    struct Record: Decodable {
        let key_hex: String
        let value_utf8: String
    }

    struct Negative: Decodable {
        let name: String
        let truncate_at: Int?
        let flip_at: Int?
        let records_kept: Int
        let cut_offset: Int?
    }

    let records: [Record]
    let segment_hex: String
    let negative: [Negative]

    static func load() throws -> SegmentVector {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Vectors/segment-format-v1.json")
        return try JSONDecoder().decode(SegmentVector.self, from: Data(contentsOf: url))
    }

    func batch() throws -> [(key: [UInt8], value: [UInt8])] {
        try records.map { (try #require(bytes(hex: $0.key_hex)), Array($0.value_utf8.utf8)) }
    }
}

@Suite("Segment format vectors")
struct SegmentFormatVectorTests {
    @Test("A sealed segment of the spec's records matches the vector byte for byte")
    func sealedSegmentMatchesVector() throws {
        let vector = try SegmentVector.load()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path)
        try log.append(vector.batch())
        try log.sealActiveSegment()
        log.close()
        let written = fileBytes(directory.path + "/segment-0000000001.lz4")
        #expect(hex(written) == vector.segment_hex, "written: \(hex(written))")
    }

    @Test("The vector reads back as its records and lz4 stream decoding prints the raw values")
    func vectorReadsBack() throws {
        let vector = try SegmentVector.load()
        let segment = try #require(bytes(hex: vector.segment_hex))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeFile(directory.path + "/segment-0000000001.lz4", segment)
        let log = try SegmentLog(directory: directory.path)
        let batch = try vector.batch()
        #expect(log.recordCount == UInt64(batch.count))
        for (ordinal, expected) in batch.enumerated() {
            let stored = try log.read(ordinal: UInt64(ordinal))
            #expect(Array(stored.key) == expected.key && Array(stored.value) == expected.value)
            #expect(try log.location(forKey: expected.key)?.ordinal == UInt64(ordinal))
        }
        #expect(try log.verify().isEmpty)
        let raw = batch.flatMap(\.value)
        #expect(try LZ4FrameDecompressor.decompressStream(segment) == raw)
    }

    @Test("Damaged copies of the vector, made active, recover to the records the vector names")
    func negativeVectorsRecover() throws {
        let vector = try SegmentVector.load()
        let sealed = try #require(bytes(hex: vector.segment_hex))
        #expect(vector.negative.count >= 5)
        for damage in vector.negative {
            var segment = sealed
            if let end = damage.truncate_at { segment = Array(segment[0..<end]) }
            if let flip = damage.flip_at { segment[flip] ^= 0xFF }
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try writeFile(directory.path + "/segment-0000000001.lz4", segment)
            let log = try SegmentLog(directory: directory.path)
            #expect(log.recordCount == UInt64(damage.records_kept), "\(damage.name)")
            #expect(log.recoveryReports.first?.cutOffset == damage.cut_offset.map(UInt64.init), "\(damage.name)")
            for ordinal in 0..<damage.records_kept {
                #expect(Array(try log.read(ordinal: UInt64(ordinal)).value) == Array(vector.records[ordinal].value_utf8.utf8))
            }
        }
    }

    @Test("lz4 -dc of sealed segments prints exactly the concatenated raw values", .enabled(if: findExecutable("lz4") != nil, "the lz4 tool is not installed"))
    func lz4ToolDecodesSealedSegments() throws {
        let tool = try #require(findExecutable("lz4"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 300, segment: 2048))
        var records: [(key: [UInt8], value: [UInt8])] = []
        for batch in 0..<15 {
            let new = (0..<6).map { record(batch * 6 + $0, seed: 9) }
            try log.append(new)
            records += new
        }
        try log.sealActiveSegment()
        log.close()
        var decoded: [UInt8] = []
        let names = listing(directory.path).filter { $0.hasPrefix("segment-") && $0.hasSuffix(".lz4") }
        #expect(names.count >= 3)
        for name in names { decoded += try run(tool, ["-dc", directory.path + "/" + name]) }
        #expect(decoded == records.flatMap(\.value))
        for name in names { _ = try run(tool, ["-t", "-q", directory.path + "/" + name]) }
    }
}
