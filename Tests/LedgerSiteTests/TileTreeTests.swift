import Foundation
import LedgerCore
import LedgerSite
import Testing

@Suite("Static log: reading a published tree back from its tiles")
struct TileTreeTests {
    static func fetch(_ directory: String) -> TileTree.Fetch {
        { path in FileManager.default.contents(atPath: directory + "/" + path).map(Array.init) }
    }

    @Test("the root at every earlier size, folded from checked tiles, is the log's root there")
    func everyEarlierRoot() throws {
        let fixture = try PublishFixture(entries: 899)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        let note = try #require(FileManager.default.contents(atPath: out + "/checkpoint"))
        var tree = try TileTree(checkpoint: try Checkpoint.open(Array(note), verifiedBy: fixture.key), fetch: Self.fetch(out))
        #expect(try tree.root(atSize: 0) == MerkleHash.emptyRoot)
        #expect(try tree.root(atSize: 900) == fixture.site.statistics().treeRoot)
        for size in UInt64(1)...899 {
            #expect(try tree.root(atSize: size) == fixture.site.consistencyProof(from: size, to: 900).firstRoot, "size \(size)")
        }
        #expect(throws: SiteError.self) { try tree.root(atSize: 901) }
    }

    @Test("an old checkpoint is read over a newer folder (its partial tile gone, the full one used), and a changed full tile is refused")
    func olderCheckpointAndTampering() throws {
        let fixture = try PublishFixture(entries: 599)
        defer { fixture.folder.remove() }
        let out = fixture.folder.path + "/pub"
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        let old = try Checkpoint.open(Array(try #require(FileManager.default.contents(atPath: out + "/checkpoint"))), verifiedBy: fixture.key)
        try fixture.append(300)
        _ = try StaticLogPublisher.publish(fixture.site, to: out)
        #expect(!FileManager.default.fileExists(atPath: out + "/tile/0/002.p/88"))
        var oldTree = try TileTree(checkpoint: old, fetch: Self.fetch(out))
        #expect(try oldTree.root(atSize: 600) == old.rootHash)

        var bytes = try #require(FileManager.default.contents(atPath: out + "/tile/0/000"))
        bytes[0] ^= 1
        try bytes.write(to: URL(fileURLWithPath: out + "/tile/0/000"))
        let new = try Checkpoint.open(Array(try #require(FileManager.default.contents(atPath: out + "/checkpoint"))), verifiedBy: fixture.key)
        var tree = try TileTree(checkpoint: new, fetch: Self.fetch(out))
        #expect(try tree.root(atSize: 600) == old.rootHash, "tiles 1 and 2 are intact; 600 does not need tile 0")
        #expect(throws: SiteError.self) { try tree.root(atSize: 100) }
    }
}
