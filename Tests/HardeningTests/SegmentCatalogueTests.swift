import Foundation
import LedgerStorage
import TestSupport
import Testing

/// The segment half of the bad-input catalogue: damaged, missing, swapped or stray files in
/// a log folder. Each case checks its own outcome (a `StorageError` code on open, or a fault
/// naming the file), that no wrong record is ever served, and that opening never rewrites a
/// sealed segment (every sealed file byte-identical afterwards).
///
/// `Tests/LedgerStorageTests/SegmentCrashTests.swift` cuts and flips the *active* segment at
/// every offset; these cases are about the folder and the sealed segments.
@Suite("Segment folder bad-input catalogue")
struct SegmentCatalogueTests {
    /// What opening the damaged folder must give.
    enum Expect: Sendable, Equatable {
        /// `SegmentLog.init` throws this code.
        case openFails(StorageError.Code)
        /// Open succeeds, `faultsFoundOnOpen` or `verify()` names this file, and the first
        /// `records` records are still served intact.
        case faultInFile(String, records: Int)
        /// Open succeeds with a recovery report (tail cut back, bytes quarantined).
        case recovered(records: Int)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let expect: Expect
        let damage: @Sendable (String) throws -> Void
        var testDescription: String { name }
    }

    static let segment1 = "segment-0000000001.lz4", segment2 = "segment-0000000002.lz4", segment3 = "segment-0000000003.lz4"

    static func edit(_ folder: String, _ name: String, _ body: (inout [UInt8]) -> Void) throws {
        let path = folder + "/" + name
        var bytes = Array(try #require(FileManager.default.contents(atPath: path)))
        body(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Three segments of 40 records each: 1 and 2 sealed, 3 active.
    static let perSegment = 40

    static let cases: [Case] = [
        Case(name: "a flipped bit in a sealed segment's header magic", expect: .openFails(.corruptSegment)) { try edit($0, segment1) { $0[1] ^= 0x10 } },
        Case(name: "a flipped bit in a sealed segment's header checksum", expect: .openFails(.corruptSegment)) { try edit($0, segment2) { $0[41] ^= 0x01 } },
        Case(name: "a sealed segment renamed to another number", expect: .openFails(.corruptSegment)) { folder in
            try FileManager.default.moveItem(atPath: folder + "/" + segment2, toPath: folder + "/segment-0000000007.lz4")
        },
        Case(name: "a sealed segment deleted from the middle (a gap in ordinals)", expect: .openFails(.corruptSegment)) { folder in
            try FileManager.default.removeItem(atPath: folder + "/" + segment2)
        },
        Case(name: "an empty file named as the newest segment", expect: .openFails(.corruptSegment)) { folder in
            try Data().write(to: URL(fileURLWithPath: folder + "/segment-0000000009.lz4"))
        },
        Case(name: "a sealed segment cut in half", expect: .openFails(.corruptSegment)) { try edit($0, segment1) { $0.removeLast($0.count / 2) } },
        Case(name: "a sealed segment's tail frame damaged", expect: .faultInFile(segment2, records: perSegment)) { try edit($0, segment2) { $0[$0.count - 3] ^= 0x01 } },
        Case(name: "a sealed segment's index frame damaged", expect: .faultInFile(segment1, records: 0)) { try edit($0, segment1) { $0[$0.count - 60] ^= 0x01 } },
        Case(name: "a flipped bit in the middle of a sealed segment's blocks", expect: .faultInFile(segment2, records: perSegment)) { try edit($0, segment2) { $0[$0.count / 2] ^= 0x04 } },
        Case(name: "a sealed segment replaced by a copy of its neighbour", expect: .openFails(.corruptSegment)) { folder in
            try FileManager.default.removeItem(atPath: folder + "/" + segment2)
            try FileManager.default.copyItem(atPath: folder + "/" + segment1, toPath: folder + "/" + segment2)
        },
        Case(name: "64 KiB of zeros after the active segment's last block (preallocated garbage)", expect: .recovered(records: 3 * perSegment)) { folder in
            let handle = try #require(FileHandle(forUpdatingAtPath: folder + "/" + segment3))
            handle.seekToEndOfFile()
            handle.write(Data(count: 64 << 10))
            try handle.close()
        },
        Case(name: "random bytes appended to the active segment", expect: .recovered(records: 3 * perSegment)) { folder in
            var rng = SeededGenerator(seed: 77)
            let handle = try #require(FileHandle(forUpdatingAtPath: folder + "/" + segment3))
            handle.seekToEndOfFile()
            handle.write(Data(rng.bytes(3000)))
            try handle.close()
        },
    ]

    static func build(_ folder: String) throws -> [(key: [UInt8], value: [UInt8])] {
        var rng = SeededGenerator(seed: 0x5E6)
        var options = SegmentLogOptions()
        options.blockSize = 2 << 10
        let log = try SegmentLog(directory: folder, options: options)
        defer { log.close() }
        var all: [(key: [UInt8], value: [UInt8])] = []
        for segment in 0..<3 {
            let records = (0..<perSegment).map { _ in (key: rng.bytes(32), value: rng.bytes(150)) }
            _ = try log.append(records)
            all += records
            if segment < 2 { try log.sealActiveSegment() }
        }
        return all
    }

    @Test("a damaged log folder gives its own error or fault, serves no wrong record, and leaves sealed segments as they were", arguments: cases)
    func damaged(_ c: Case) throws {
        let root = try TemporaryDirectory(prefix: "hardening-segment")
        defer { root.remove() }
        let folder = root.path + "/log"
        let records = try Self.build(folder)
        try c.damage(folder)
        let sealedBefore = FolderSnapshot(folder).files.filter { $0.key != Self.segment3 && $0.key.hasSuffix(".lz4") }
        var options = SegmentLogOptions()
        options.blockSize = 2 << 10
        switch c.expect {
        case .openFails(let code):
            #expect(throws: StorageError.self) { _ = try SegmentLog(directory: folder, options: options) }
            do { _ = try SegmentLog(directory: folder, options: options) } catch let error as StorageError {
                #expect(error.code == code, "\(error)")
                #expect(error.file != nil, "the error names the file: \(error)")
            }
        case .faultInFile(let file, let intact):
            let log = try SegmentLog(directory: folder, options: options)
            defer { log.close() }
            let faults = log.faultsFoundOnOpen + (try log.verify())
            #expect(faults.contains { $0.file.hasSuffix(file) }, "faults: \(faults)")
            try expectNoWrongRecord(log, records, intact: intact)
        case .recovered(let intact):
            let log = try SegmentLog(directory: folder, options: options)
            defer { log.close() }
            #expect(!log.recoveryReports.isEmpty)
            #expect(log.recordCount == UInt64(intact))
            #expect(try log.verify().isEmpty)
            try expectNoWrongRecord(log, records, intact: intact)
        }
        let sealedAfter = FolderSnapshot(folder).files.filter { sealedBefore.keys.contains($0.key) }
        #expect(sealedAfter == sealedBefore, "opening rewrote a sealed segment")
    }

    /// Every record served matches what was written; the first `intact` are all served.
    func expectNoWrongRecord(_ log: SegmentLog, _ records: [(key: [UInt8], value: [UInt8])], intact: Int) throws {
        var served = 0
        try? log.scan { record in
            let ordinal = Int(record.ordinal)
            #expect(ordinal < records.count && Array(record.key) == records[ordinal].key && Array(record.value) == records[ordinal].value,
                    "a wrong record at ordinal \(ordinal)")
            served += 1
            return true
        }
        #expect(served >= intact, "only \(served) of the \(intact) intact records were served")
    }
}
