import Foundation
import LedgerCore
import LedgerSite
import TestSupport
import Testing

/// A catch-up checks a full bundle against its hash in the level-1 tile and fetches its
/// level-0 tile only to name a bad entry (Specs/static-log.md §11.3).
@Suite("Static log: a catch-up's tile fetches")
struct MirrorTileFetchTests {
    /// A folder source that counts the requests for each path.
    final class CountingSource: StaticLogSource, @unchecked Sendable {  // `requested` only under `lock`
        let inner: FolderLogSource
        private let lock = NSLock()
        private var requested: [String: Int] = [:]

        init(_ directory: String) { inner = FolderLogSource(directory: directory) }

        var location: String { inner.location }

        func fetch(_ path: String, limit: Int) throws -> [UInt8]? {
            lock.withLock { requested[path, default: 0] += 1 }
            return try inner.fetch(path, limit: limit)
        }

        var counts: [String: Int] { lock.withLock { requested } }
    }

    @Test("a catch-up fetches no level-0 tile of a full bundle, only the checkpoint's partial one, and each bundle once")
    func fullBundlesNeedNoLevelZeroTile() throws {
        let fixture = try PublishedCentral(entries: 700)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let published = fixture.published
        let source = CountingSource(out)
        let outcome = try MirrorSync.run(sites.clinic, from: source, connections: 3, batchEntries: 256)
        #expect(outcome.treeSize == published.treeSize)
        let counts = source.counts
        let full = Int(published.treeSize / 256)
        for index in 0..<full {
            #expect(counts[TileCoordinates(level: 0, index: UInt64(index), width: 256).path] == nil, "\(counts)")
            #expect(counts[TileCoordinates(entriesIndex: UInt64(index), width: 256).path] == 1, "\(counts)")
        }
        #expect(counts.keys.contains { $0.hasPrefix("tile/0/") && $0.contains(".p/") }, "\(counts)")
        #expect(Set(try MirrorSyncTests.ids(sites.central)).isSubset(of: Set(try MirrorSyncTests.ids(sites.clinic))))
    }

    @Test("a full bundle with one byte changed is refused naming the entry and its leaf, read from its level-0 tile fetched only then")
    func badFullBundleIsNamedByItsLevelZeroTile() throws {
        let fixture = try PublishedCentral(entries: 700)
        let (sites, out) = (fixture.sites, fixture.out)
        defer { sites.folder.remove() }
        let path = out + "/tile/entries/001"
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[bytes.count - 3] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let source = CountingSource(out)
        let refusal = #expect(throws: SiteError.self) {
            try MirrorSync.run(sites.clinic, from: source, connections: 2, batchEntries: 256)
        }
        #expect(refusal?.code == .mirrorInvalid)
        #expect(refusal?.message.contains("tile/entries/001: entry 255 (leaf 511) is not the leaf tile/0/001 holds there") == true, "\(refusal?.message ?? "")")
        #expect(source.counts["tile/0/001"] == 1 && source.counts["tile/0/000"] == nil, "\(source.counts)")
    }
}
