import Foundation
import LedgerCore
import LedgerStorage
import TestSupport
import Testing

/// Corruption below the ledger: a flipped byte in a compressed segment file must be
/// reported (block checksum) with the file and offset, and never served as an entry.
@Suite("Corrupted segment files", .serialized)
struct StorageCorruptionTests {
    /// Flips one byte of `file` in place.
    static func flip(_ file: String, at offset: Int, mask: UInt8 = 0x20) throws {
        var bytes = try #require(FileManager.default.contents(atPath: file))
        bytes[offset] ^= mask
        try bytes.write(to: URL(fileURLWithPath: file))
    }

    @Test("a flipped byte inside a block of a sealed segment is reported with the segment file and offset")
    func flippedByteInSealedSegmentIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        try LogRewriter.seal(site: fixture.site)
        let segment = try #require(try LogRewriter.segmentFiles(site: fixture.site).first)
        let pristine = try #require(FileManager.default.contents(atPath: segment))
        // Well inside the first block: past the segment header frame, before the index.
        let offset = pristine.count / 3
        try Self.flip(segment, at: offset)
        let outcome = TamperOutcome.check(fixture.site)
        #expect(!outcome.isUndetected)
        if case .reported(let faults) = outcome {
            #expect(faults.contains { $0.file.hasSuffix((segment as NSString).lastPathComponent) }, "\(outcome)")
        }
        // The storage layer itself names the block: the gap is in the ledger layer above it.
        do {
            let log = try SegmentLog(directory: SiteLayout(root: fixture.site).log)
            defer { log.close() }
            let faults = try log.verify()
            #expect(faults.contains { $0.file == segment && $0.offset <= UInt64(offset) && $0.what.contains("checksum") }, "\(faults)")
        }
        #expect(outcome.openError == nil, "\(outcome)")
    }

    /// A flip in the tail of the last segment looks like an interrupted seal: recovery sets the
    /// index and tail aside (and says so) and keeps every record, which all still verify.
    @Test("no flipped byte of a sealed segment is ever served silently", arguments: [UInt64(0xB17F_11B5)])
    func sampledFlipsInSealedSegmentAreNoticed(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        try LogRewriter.seal(site: fixture.site)
        let segment = try #require(try LogRewriter.segmentFiles(site: fixture.site).first)
        let pristine = try #require(FileManager.default.contents(atPath: segment))
        for _ in 0..<48 {
            let offset = Int(rng.next() % UInt64(pristine.count))
            let mask = UInt8(truncatingIfNeeded: rng.next() % 255 + 1)
            var bytes = pristine
            bytes[offset] ^= mask
            try bytes.write(to: URL(fileURLWithPath: segment))
            let outcome = TamperOutcome.check(fixture.site)
            #expect(!outcome.isUndetected, "seed \(seed): byte \(offset) of \(segment) (\(pristine.count) bytes) flipped with \(mask) went unnoticed")
        }
    }

    @Test("a flipped byte in the active segment's last block is cut on open and reported, never served")
    func flippedByteInActiveSegmentIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let segment = try #require(try LogRewriter.segmentFiles(site: fixture.site).last)
        let size = try #require(FileManager.default.contents(atPath: segment)).count
        try Self.flip(segment, at: size - 8)
        let outcome = TamperOutcome.check(fixture.site)
        #expect(!outcome.isUndetected)
        #expect(outcome.openError == nil, "\(outcome)")
    }
}
