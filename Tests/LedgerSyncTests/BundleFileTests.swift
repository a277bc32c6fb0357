import Foundation
import LedgerCore
import LedgerStorage
import StorageTestSupport
import Testing
import TestSupport
@testable import LedgerSync

/// Bundle files are read a range at a time through the file-system seam
/// (Specs/bundle-format.md §7): a file's length is checked against the cap before anything
/// is read, its header from its first bytes, and memory never follows a declared size.
@Suite("Bundle files: read as a stream, checked before anything large is read")
struct BundleFileTests {
    let alice = SiteKeys(), bob = SiteKeys()

    /// A file of `length` bytes whose first bytes are `front`; the rest is a hole (no disk).
    func sparseFile(_ path: String, length: UInt64, front: [UInt8] = []) throws {
        let fileSystem = POSIXFileSystem()
        let file = try fileSystem.open(path, mode: .createTruncate)
        defer { fileSystem.close(file) }
        try fileSystem.writeAll(file, front, at: 0)
        try fileSystem.truncate(file, to: length)
    }

    func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// Opens `path` with bob's reader through a counting file system; returns the error and the bytes read.
    func reject(_ path: String) throws -> (error: SyncError, bytesRead: Int) {
        let counting = CountingFileSystem()
        do {
            _ = try bob.reader().open(file: path, fileSystem: counting)
        } catch {
            return (error, counting.bytesRead)
        }
        throw SyncError(.malformedBundle, "the file was accepted")
    }

    @Test("a sparse 20 GB file is rejected from its length alone, reading nothing")
    func hugeSparseFileIsRejectedFromItsLength() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/huge.clbundle"
        try sparseFile(path, length: 20 << 30, front: BundleHeader.magic)
        let started = ContinuousClock.now
        let (error, read) = try reject(path)
        #expect(error.code == .declaredSizeOverCap && error.file == path, "\(error)")
        #expect(read == 0, "read \(read) bytes of a file rejected by its length")
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test("a 3 GB file of random bytes in front of a hole is rejected from its length, reading nothing")
    func threeGigabyteFileIsRejectedFromItsLength() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/big.clbundle"
        try sparseFile(path, length: 3 << 30, front: random(1 << 20, seed: 18))
        let (error, read) = try reject(path)
        #expect(error.code == .declaredSizeOverCap && error.offset == 0, "\(error)")
        #expect(read == 0)
    }

    @Test("a few-MB file declaring a 3 GB ciphertext is truncated, found from its header and length")
    func declaredSizeBeyondTheFileIsTruncated() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var writer = ByteWriter(.bigEndian)
        writer.raw(BundleHeader.magic)
        writer.u16(1); writer.u8(0); writer.u8(0)
        writer.raw(random(32 + 8 + 4 + 16, seed: 1))
        writer.u16(1)
        writer.raw(random(88, seed: 2))
        writer.u64(3 << 30); writer.u64(3 << 30)
        writer.raw(random(4 << 20, seed: 3))
        let path = folder.path + "/declared.clbundle"
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
        let (error, read) = try reject(path)
        #expect(error.code == .truncatedBundle && error.file == path, "\(error)")
        #expect(read <= BundleHeader.fixedLength + 16, "read \(read) bytes")
    }

    @Test("a few-MB file of random bytes is not a bundle: bundle.magic at offset 0 after reading its first bytes")
    func randomFileFailsTheMagic() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/random.clbundle"
        try Data(random(4 << 20, seed: 4)).write(to: URL(fileURLWithPath: path))
        let (error, read) = try reject(path)
        #expect(error.code == .notABundle && error.offset == 0 && error.file == path, "\(error)")
        #expect(read <= BundleHeader.fixedLength)
        #expect(error.description.contains("bundle.magic") && error.description.contains("offset 0"))
    }

    @Test("a file over a reader's cap is rejected before it is read, whatever its contents")
    func capIsTheReadersChoice() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var rng = SeededGenerator(seed: 5)
        let site = MemorySite(randomItems(20, using: &rng))
        let bytes = try bundle(from: alice, to: [bob], site: site)
        let path = folder.path + "/b.clbundle"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let small = BundleReader(siteKey: bob.siteKey, agreementKey: bob.agreement, compressor: StoredCompressor(),
                                 maxBundleBytes: bytes.count - 1)
        let counting = CountingFileSystem()
        #expect(throws: SyncError.self) { try small.open(file: path, fileSystem: counting) }
        #expect(counting.bytesRead == 0)
    }

    @Test("a bundle file opens as its bytes do, reading each byte once past the header")
    func fileOpensLikeBytes() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var rng = SeededGenerator(seed: 6)
        let site = MemorySite(randomItems(40, using: &rng))
        let bytes = try bundle(from: alice, to: [bob], site: site)
        let path = folder.path + "/b.clbundle"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let counting = CountingFileSystem()
        let fromFile = try bob.reader().open(file: path, fileSystem: counting)
        let fromBytes = try bob.reader().open(bytes)
        #expect(fromFile.header == fromBytes.header && fromFile.treeHead == fromBytes.treeHead)
        #expect(fromFile.messages.count == fromBytes.messages.count)
        // Hashed once, ciphertext read once more to decrypt, plus the header and trailer.
        #expect(counting.bytesRead <= 2 * bytes.count + 200, "read \(counting.bytesRead) of \(bytes.count)")
    }

    @Test("truncated or damaged files fail with the same code from the file as from memory")
    func fileAndMemoryAgreeOnDamage() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var rng = SeededGenerator(seed: 7)
        let site = MemorySite(randomItems(8, using: &rng))
        let bytes = try bundle(from: alice, to: [bob], site: site)
        let path = folder.path + "/b.clbundle"
        var cases: [[UInt8]] = stride(from: 0, to: bytes.count, by: 37).map { Array(bytes.prefix($0)) }
        for offset in stride(from: 0, to: bytes.count, by: 53) {
            var damaged = bytes
            damaged[offset] ^= 0x20
            cases.append(damaged)
        }
        cases.append(bytes + [0])
        for input in cases {
            try Data(input).write(to: URL(fileURLWithPath: path))
            var memoryCode: SyncError.Code?
            do { _ = try bob.reader().open(input) } catch { memoryCode = error.code }
            var fileCode: SyncError.Code?
            do { _ = try bob.reader().open(file: path) } catch { fileCode = error.code }
            #expect(memoryCode != nil && memoryCode == fileCode, "\(input.count) bytes: \(String(describing: memoryCode)) vs \(String(describing: fileCode))")
        }
    }

    @Test("an endless device linked under a bundle's name is judged by its stat length: nothing is read")
    func endlessDeviceIsNotReadWhole() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/zero.clbundle"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
        let (error, read) = try reject(path)
        #expect(error.code == .truncatedBundle && error.file == path, "\(error)")
        #expect(read == 0)
    }

    @Test("a missing file is bundle.unreadable naming it")
    func missingFileIsUnreadable() {
        do {
            _ = try bob.reader().open(file: "/nonexistent/x.clbundle")
            Issue.record("opened a missing file")
        } catch {
            #expect(error.code == .unreadableBundle && error.file == "/nonexistent/x.clbundle")
        }
    }
}
