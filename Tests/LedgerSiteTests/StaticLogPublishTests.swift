import Foundation
import LedgerCore
import LedgerSite
import LedgerStorage
import Logging
import StorageTestSupport
import TestSupport
import Testing

/// A founded network's central site with `count` anchor entries, in a temporary folder.
struct PublishFixture {
    let folder: TemporaryDirectory
    let site: SiteLedger

    init(entries count: Int) throws {
        folder = try TemporaryDirectory(prefix: "careledger-publish-test")
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        site = try SiteLedger.foundNetwork(at: folder.path + "/central", siteName: "central", networkName: "publish", logger: quiet)
        try append(count)
    }

    func append(_ count: Int) throws {
        let start = site.entryCount
        _ = try site.append(kind: "anchor", payloads: (0..<count).map { Array("{\"n\":\(start + $0)}".utf8) })
    }

    var key: NoteVerifierKey {
        StaticLogPublisher.verifierKey(origin: LogOrigin(network: site.networkID, site: site.siteKey).text,
                                       siteKey: site.siteKey)
    }

    /// Checks `directory` against the log, recomputing every tile the hard way: its checkpoint
    /// verifies, and every bundle and tile its size needs holds what the log's first leaves make.
    /// - Returns: the checkpoint's tree size.
    @discardableResult
    func expectValid(_ directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> UInt64 {
        let note = try #require(FileManager.default.contents(atPath: directory + "/checkpoint"), sourceLocation: sourceLocation)
        let checkpoint = try Checkpoint.open(Array(note), verifiedBy: key)
        var entries: [[UInt8]] = []
        try site.forEachEntry { ordinal, entry in if UInt64(ordinal) < checkpoint.treeSize { entries.append(entry.encoded) } }
        var level = entries.map { MerkleHash.leaf($0) }
        var expected: [String: [UInt8]] = [:]
        for (index, chunk) in stride(from: 0, to: entries.count, by: 256).map({ (UInt64($0 / 256), entries[$0..<min($0 + 256, entries.count)]) }) {
            var bundle: [UInt8] = []
            for entry in chunk { bundle += [UInt8(entry.count >> 8), UInt8(entry.count & 0xff)] + entry }
            expected[TileCoordinates(entriesIndex: index, width: chunk.count).path] = bundle
        }
        var height = 0
        while !level.isEmpty {
            var next: [Hash32] = []
            for start in stride(from: 0, to: level.count, by: 256) {
                let chunk = Array(level[start..<min(start + 256, level.count)])
                expected[TileCoordinates(level: height, index: UInt64(start / 256), width: chunk.count).path] = chunk.flatMap(\.bytes)
                if chunk.count == 256 {
                    var row = chunk
                    while row.count > 1 { row = stride(from: 0, to: row.count, by: 2).map { MerkleHash.node(row[$0], row[$0 + 1]) } }
                    next.append(row[0])
                }
            }
            level = next
            height += 1
        }
        #expect(Set(expected.keys) == Set(TileCoordinates.all(treeSize: checkpoint.treeSize).map(\.path)), sourceLocation: sourceLocation)
        for (path, bytes) in expected {
            #expect(FileManager.default.contents(atPath: directory + "/" + path).map(Array.init) == bytes, "\(path)", sourceLocation: sourceLocation)
        }
        let rootThen = checkpoint.treeSize == UInt64(site.entryCount)
            ? site.statistics().treeRoot : try site.consistencyProof(from: checkpoint.treeSize, to: UInt64(site.entryCount)).firstRoot
        #expect(checkpoint.rootHash == rootThen, sourceLocation: sourceLocation)
        return checkpoint.treeSize
    }
}

@Suite("Static log: publishing a site")
struct StaticLogPublishTests {
    @Test("a publish writes every bundle and tile as recomputed from the log, and a checkpoint signed by the site")
    func publishOnce() throws {
        let fixture = try PublishFixture(entries: 700)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        let publication = try StaticLogPublisher.publish(fixture.site, to: out)
        #expect(publication.treeSize == UInt64(fixture.site.entryCount))
        #expect(publication.previousTreeSize == 0 && !publication.upToDate && !publication.rebuiltFromStart)
        #expect(publication.tilesWritten == 4 && publication.bundlesWritten == 3)  // 701 leaves: 0/000 0/001 0/002.p/189 1/000.p/2
        #expect(publication.verifierKey == fixture.key.verifierKey)
        #expect(try fixture.expectValid(out) == 701)
        let again = try StaticLogPublisher.publish(fixture.site, to: out)
        #expect(again.upToDate && again.bytesWritten == 0)
    }

    @Test("a second publish writes only the tiles that changed and removes partial tiles that became full")
    func incremental() throws {
        let fixture = try PublishFixture(entries: 599)  // 600 leaves with the genesis
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        let fullTile = out + "/tile/0/000"
        let before = try FileManager.default.attributesOfItem(atPath: fullTile)[.modificationDate] as? Date
        #expect(FileManager.default.fileExists(atPath: out + "/tile/0/002.p/88"))
        try fixture.append(300)
        let second = try StaticLogPublisher.publish(fixture.site, to: out)
        // 600 → 900: bundles 002 and 003.p/132; tiles 0/002, 0/003.p/132 and 1/000.p/3.
        #expect(second.previousTreeSize == 600 && second.treeSize == 900)
        #expect(second.bundlesWritten == 2 && second.tilesWritten == 3 && second.filesUnchanged == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: fullTile)[.modificationDate] as? Date == before)
        #expect(!FileManager.default.fileExists(atPath: out + "/tile/0/002.p"))
        #expect(!FileManager.default.fileExists(atPath: out + "/tile/entries/002.p"))
        #expect(FileManager.default.fileExists(atPath: out + "/tile/1/000.p/2"), "a partial tile still partial is kept for older checkpoints")
        #expect(try fixture.expectValid(out) == 900)
    }

    @Test("a publish cut at any file-system call leaves the old checkpoint valid, and the next publish completes without rewriting what landed")
    func interruptedPublish() throws {
        let fixture = try PublishFixture(entries: 599)
        defer { fixture.folder.remove() }
        let baseline = fixture.folder.path + "/baseline"
        _ = try StaticLogPublisher.publish(fixture.site, to: baseline)
        try fixture.append(300)
        var cutBeforeCheckpoint = false
        var resumedAfterTiles = 0
        for call in 1... {
            let out = fixture.folder.path + "/cut-\(call)"
            try FileManager.default.copyItem(atPath: baseline, toPath: out)
            defer { try? FileManager.default.removeItem(atPath: out) }
            let faulty = FaultyFileSystem()
            faulty.inject(.eio, at: call, forever: true)  // everything from this call on fails: a crash
            let failed: Bool
            do {
                _ = try StaticLogPublisher.publish(fixture.site, to: out, fileSystem: faulty)
                failed = false
            } catch {
                failed = true
            }
            guard faulty.struck else {
                #expect(!failed)
                break
            }
            if faulty.struckPath?.hasSuffix("/checkpoint.tmp") == true { cutBeforeCheckpoint = true }
            // A cut that falls in the best-effort clean-up (or a read whose failure only means
            // "write it again") does not fail the publish: it is complete.
            let size = try fixture.expectValid(out)
            #expect(size == 600 || size == 900, "call \(call)")
            #expect(failed || size == 900, "call \(call)")
            let resumed = try StaticLogPublisher.publish(fixture.site, to: out)
            #expect(try fixture.expectValid(out) == 900, "call \(call)")
            if size == 600 && faulty.struckOperation == .rename && faulty.struckPath?.hasSuffix("/checkpoint.tmp") == true {
                #expect(resumed.filesUnchanged >= 5, "the tiles of the cut publish were already in place")
                resumedAfterTiles += 1
            }
        }
        #expect(cutBeforeCheckpoint && resumedAfterTiles > 0, "some cut fell after the tiles and before the checkpoint's rename")
    }

    @Test("a folder whose partial tiles were damaged or removed is written again from leaf 0, and ends valid")
    func damagedPartials() throws {
        let fixture = try PublishFixture(entries: 599)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        var tile = try #require(FileManager.default.contents(atPath: out + "/tile/1/000.p/2"))
        tile[3] ^= 0x40
        try tile.write(to: URL(fileURLWithPath: out + "/tile/1/000.p/2"))
        try fixture.append(100)
        let repaired = try StaticLogPublisher.publish(fixture.site, to: out)
        #expect(repaired.rebuiltFromStart && repaired.previousTreeSize == 600)
        #expect(try fixture.expectValid(out) == 700)
        try FileManager.default.removeItem(atPath: out + "/tile/0/002.p")
        try fixture.append(10)
        #expect(try StaticLogPublisher.publish(fixture.site, to: out).rebuiltFromStart)
        #expect(try fixture.expectValid(out) == 710)
    }

    @Test("a second publish into a folder another publish holds fails at once with locked, and leaves it alone")
    func oneWriterPerFolder() throws {
        let fixture = try PublishFixture(entries: 3)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        let note = FileManager.default.contents(atPath: out + "/checkpoint")
        try fixture.append(300)
        try FileIO(POSIXFileSystem()).withExclusiveLock(out + "/.publish.lock", timeout: .zero) {
            let refusal = #expect(throws: CoreError.self) { try StaticLogPublisher.publish(fixture.site, to: out) }
            #expect(refusal?.code == .locked)
        }
        #expect(FileManager.default.contents(atPath: out + "/checkpoint") == note)
        #expect(try StaticLogPublisher.publish(fixture.site, to: out).treeSize == 304)
    }

    @Test("a folder holding another site's checkpoint, or this log's under another origin, is refused and left unchanged")
    func foreignFolder() throws {
        let first = try PublishFixture(entries: 10)
        let second = try PublishFixture(entries: 10)
        defer { first.folder.remove(); second.folder.remove() }
        let out = first.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(first.site, to: out)
        let note = FileManager.default.contents(atPath: out + "/checkpoint")
        let refusal = #expect(throws: SiteError.self) { try StaticLogPublisher.publish(second.site, to: out) }
        #expect(refusal?.code == .publishedLogConflict)
        let renamed = #expect(throws: SiteError.self) { try StaticLogPublisher.publish(first.site, to: out, origin: "logs.example.org/central") }
        #expect(renamed?.code == .publishedLogConflict)
        #expect(FileManager.default.contents(atPath: out + "/checkpoint") == note)
        let badOrigin = #expect(throws: SiteError.self) { try StaticLogPublisher.publish(first.site, to: first.folder.path + "/other", origin: "has space") }
        #expect(badOrigin?.code == .invalidRequest)
    }

    @Test("an entry larger than 65,535 bytes is refused and nothing is published")
    func entryTooLarge() throws {
        let fixture = try PublishFixture(entries: 3)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        let note = FileManager.default.contents(atPath: out + "/checkpoint")
        _ = try fixture.site.append(kind: "anchor", payloads: [Array("{\"big\":\"\(String(repeating: "x", count: 70_000))\"}".utf8)])
        let refusal = #expect(throws: SiteError.self) { try StaticLogPublisher.publish(fixture.site, to: out) }
        #expect(refusal?.code == .entryTooLargeForTiles)
        #expect(FileManager.default.contents(atPath: out + "/checkpoint") == note)
        #expect(try fixture.expectValid(out) == 4)
    }

    @Test("the independent Python verifier accepts two publishes and their consistency, and refuses a changed bundle",
          .enabled(if: Python.canImport("cryptography")))
    func independentVerifier() throws {
        let fixture = try PublishFixture(entries: 300)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/tlog_verify.py").path
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        try FileManager.default.copyItem(atPath: out + "/checkpoint", toPath: fixture.folder.path + "/checkpoint.1")
        try fixture.append(500)
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        let run = try #require(Python.run([script, out, "--key", fixture.key.verifierKey, "--previous", fixture.folder.path + "/checkpoint.1"]))
        #expect(run.status == 0, "\(run.output)")
        let bundle = out + "/tile/entries/001"
        var bytes = try #require(FileManager.default.contents(atPath: bundle))
        bytes[40] ^= 1
        try bytes.write(to: URL(fileURLWithPath: bundle))
        let tampered = try #require(Python.run([script, out, "--key", fixture.key.verifierKey]))
        #expect(tampered.status == 1, "\(tampered.output)")
    }

    @Test("the read-only server answers the checkpoint, the witnessed checkpoint and tiles with their types and caching, and nothing else in the folder")
    func servedFiles() async throws {
        let fixture = try PublishFixture(entries: 5)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + "/tile/0/000.p/6.tmp"))
        let files = StaticLogFiles(directory: out)
        let checkpoint = await files.answer(path: "checkpoint")
        #expect(checkpoint.status == 200 && checkpoint.contentType == "text/plain; charset=utf-8" && checkpoint.cacheControl == "no-cache")
        #expect(checkpoint.body == FileManager.default.contents(atPath: out + "/checkpoint").map(Array.init))
        let tile = await files.answer(path: "tile/0/000.p/6")
        #expect(tile.status == 200 && tile.contentType == "application/octet-stream" && tile.body.count == 6 * 32)
        #expect(tile.cacheControl.contains("immutable"))
        // The witnessed checkpoint (§8.4) is served like the checkpoint; none is published yet here.
        #expect(await files.answer(path: StaticLogPublisher.witnessedCheckpoint).status == 404)
        try Data("witnessed\n".utf8).write(to: URL(fileURLWithPath: out + "/" + StaticLogPublisher.witnessedCheckpoint))
        let witnessed = await files.answer(path: StaticLogPublisher.witnessedCheckpoint)
        #expect(witnessed.status == 200 && witnessed.cacheControl == "no-cache" && witnessed.body == Array("witnessed\n".utf8))
        for path in [".publish.lock", "tile/0/000.p/6.tmp", "tile/0/000", "../pub/checkpoint", "tile/0/000.p/6/../6", "checkpoint.witnessed.tmp"] {
            #expect(await files.answer(path: path).status == 404, "\(path)")
        }
    }
}
