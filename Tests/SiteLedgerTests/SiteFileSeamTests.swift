import Foundation
import LedgerCore
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The site's files through the one seam: modes, exclusive creation, and the small-file helpers.
@Suite("A site's files through the file-system seam")
struct SiteFileSeamTests {
    /// The permission bits of the file at `path`.
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o777
    }

    @Test("key and genesis files are 0600 and site.json 0644, written through the file system the site was created with")
    func filesKeepTheirModes() throws {
        let folder = try TemporaryDirectory(prefix: "site-seam")
        defer { folder.remove() }
        let recorder = RecordingFileSystem(root: folder.path)
        let site = folder.path + "/founder"
        let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "seam-net", fileSystem: recorder)
        try ledger.writeGenesis(to: folder.path + "/genesis.json")
        let layout = SiteLayout(root: site)
        #expect(try Self.mode(layout.keyFile) == 0o600)
        #expect(try Self.mode(layout.genesis) == 0o600)
        #expect(try Self.mode(folder.path + "/genesis.json") == 0o600)
        #expect(try Self.mode(layout.metadata) == 0o644)
        let created = Set(recorder.events.compactMap { event -> String? in
            if case .create(let path, _) = event { return path }
            return nil
        })
        for file in ["founder/site.key", "founder/genesis.json.tmp", "founder/site.json.tmp", "founder/heads.log", "genesis.json.tmp"] {
            #expect(created.contains(file), "\(file) was not created through the seam: \(created.sorted())")
        }
    }

    @Test("a key file is never overwritten: saving over one fails with already_exists and leaves it intact")
    func keyFileIsCreatedExclusively() throws {
        let folder = try TemporaryDirectory(prefix: "site-seam")
        defer { folder.remove() }
        let path = folder.path + "/site.key"
        let keys = SiteKeys.generate()
        try keys.save(to: path)
        let before = fileBytes(path)
        #expect { try SiteKeys.generate().save(to: path) } throws: { ($0 as? CoreError)?.code == .alreadyExists }
        #expect(fileBytes(path) == before)
        #expect(try SiteKeys.load(from: path).signingPublicKey == keys.signingPublicKey)
    }

    @Test("an append that fails half way is cut back, so the next line does not merge with its torn bytes")
    func failedAppendIsCutBack() throws {
        let folder = try TemporaryDirectory(prefix: "site-seam")
        defer { folder.remove() }
        let path = folder.path + "/history.jsonl"
        try DurableFile.append(Array("one\n".utf8), to: path)
        let faulty = FaultyFileSystem()
        faulty.inject(.shortWrite, at: 1, forever: true)
        #expect(throws: StorageError.self) { try DurableFile.append(Array("two-torn\n".utf8), to: path, fileSystem: faulty) }
        try DurableFile.append(Array("three\n".utf8), to: path)
        #expect(fileBytes(path) == Array("one\nthree\n".utf8))
    }

    @Test("a tree-head record is written at its slot and cuts what a failed write left after it")
    func recordWriteOverwritesATornTail() throws {
        let folder = try TemporaryDirectory(prefix: "site-seam")
        defer { folder.remove() }
        let path = folder.path + "/heads.log"
        try DurableFile.writeRecord([1, 1, 1, 1], to: path, at: 0)
        try DurableFile.append([9, 9, 9], to: path)  // a torn record
        try DurableFile.writeRecord([2, 2, 2, 2], to: path, at: 4)
        #expect(fileBytes(path) == [1, 1, 1, 1, 2, 2, 2, 2])
        try DurableFile.writeRecord([3, 3], to: path, at: 4)
        #expect(fileBytes(path) == [1, 1, 1, 1, 3, 3])
    }
}
