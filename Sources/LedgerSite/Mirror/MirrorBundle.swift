import LedgerCore
import LedgerIndex

/// One entry bundle of a static log as fetched, with the level-0 tile that holds its
/// leaves (Specs/static-log.md §11.3). Built on a download thread; checked on the caller's.
struct MirrorBundle: Sendable {
    /// The bundle's place and width (the checkpoint's width for the last one).
    let bundle: TileCoordinates
    /// The level-0 tile's hashes as served, cut to the bundle's width (not yet checked).
    let tile: [Hash32]
    /// The entries, cut to the bundle's width (emptied by ``verifyingEntries()`` once they
    /// are decoded: the decoded entries hold their bytes).
    var entries: [[UInt8]]
    /// RFC 9162 leaf hashes of `entries`.
    let leaves: [Hash32]
    /// The bundle's bytes as spooled (the entries re-framed, cut to the width).
    let encoded: [UInt8]
    /// Bytes fetched from the source for it (tile and, unless spooled, bundle).
    let bytesFetched: Int
    /// Whether the bundle came from this site's spool rather than the source.
    let fromSpool: Bool
    /// With entry checks: the index of the first entry that does not decode or verify, and why.
    var badEntry: (index: Int, why: String)?

    /// Whether a spooled copy did not hash to its tile and was set aside (fetched again).
    var spooledCopySetAside = false
    /// A catch-up's fetch: why the bundle does not match the checked tiles (nil: it matches).
    var mismatch: SiteError?
    /// With ``verifyingEntries()``: the entries decoded and verified for ingest, or the first
    /// entry that does not decode or verify.
    var verified: Result<VerifiedEntries, CoreError>?
    /// A catch-up's fetch: `entries` with their leaf hashes (`leaves`), handed to ingest so the
    /// site's Merkle tree does not hash them again (emptied by ``verifyingEntries()``).
    var hashed: HashedRecords?
    /// With ``verifyingEntries()``: the consent-version and access-decision payloads of the
    /// verified entries, decoded on the verify thread for the index (Specs/static-log.md §11.3).
    var decoded = DecodedPayloads()

    /// The bundle with its entries decoded and their signatures verified on this thread (a
    /// download thread: the catch-up's consumer stores one batch while the next is verified).
    /// A bundle that does not match its tiles is not verified (it is refused as it is).
    func verifyingEntries() -> MirrorBundle {
        guard mismatch == nil else { return self }
        var result = self
        do {
            let verified = if let hashed {
                try SiteLedger.verifyForIngest(hashed, parallelism: 1)
            } else {
                try SiteLedger.verifyForIngest(entries, parallelism: 1)
            }
            for entry in verified.entries { result.decoded.add(entry) }
            result.verified = .success(verified)
            result.entries = []
            result.hashed = nil
        } catch let error as CoreError {
            result.verified = .failure(error)
        } catch {
            result.verified = .failure(CoreError(.malformedFile, "an entry does not decode", underlying: error))
        }
        return result
    }

    /// The entries verified for ingest: by ``verifyingEntries()`` if it ran, else now.
    /// - Throws: `CoreError` `.badSignature` or a decoding error, naming the entry.
    func verifiedEntries() throws -> VerifiedEntries {
        switch verified {
        case .success(let entries)?: return entries
        case .failure(let error)?: throw error
        case nil: return try SiteLedger.verifyForIngest(entries)
        }
    }

    /// Fetches the bundle (unless `spooled` holds it) and its level-0 tile from `source`,
    /// reading a superseded partial file from the full one, cut to the width.
    /// - Parameter checkEntries: also decode each entry and verify its Ed25519 signature.
    static func fetch(_ bundle: TileCoordinates, from source: any StaticLogSource, spooled: [UInt8]?,
                      checkEntries: Bool = false) throws -> MirrorBundle {
        let (hashes, tileBytes) = try fetchTile(bundle, from: source)
        let entries: [[UInt8]]
        var fetched = tileBytes
        var fromSpool = false
        if let spooled, let decoded = EntryBundle.decode(spooled), decoded.count == bundle.width {
            entries = decoded
            fromSpool = true
        } else {
            let (decoded, bytes, _) = try fetchEntries(bundle, from: source)
            entries = decoded
            fetched += bytes
        }
        var result = MirrorBundle(bundle: bundle, tile: hashes, entries: entries, leaves: entries.map { MerkleHash.leaf($0) },
                                  encoded: reframe(entries), bytesFetched: fetched, fromSpool: fromSpool)
        if checkEntries {
            for (index, check) in EntryBatch.decodeAndVerify(entries, parallelism: 1).enumerated() {
                switch check {
                case .valid: continue
                case .badSignature(let entry): result.badEntry = (index, "entry \(entry.id.hex) has a signature that does not verify for its author \(entry.author.hex)")
                case .undecodable(let error): result.badEntry = (index, "it does not decode: \(error.message)")
                }
                break
            }
        }
        return result
    }

    /// Fetches the bundle's level-0 tile, then takes the bundle from `spool` when a copy
    /// there hashes to that tile, else fetches it and — when it hashes to the tile — spools
    /// it (fsynced and renamed) before returning: a bundle whose transfer ended is never
    /// fetched again (Specs/static-log.md §11.4). A spooled copy that does not hash to the
    /// tile is set aside and fetched again. One that is fetched and does not hash to its tile
    /// is not spooled; the caller's `check` names it.
    /// - Throws: `SiteError` `.mirrorInvalid`, `.mirrorUnreachable` (the source), `.cannotWrite` (the spool).
    static func fetch(_ bundle: TileCoordinates, from source: any StaticLogSource, spool: BundleSpool) throws -> MirrorBundle {
        let (hashes, tileBytes) = try fetchTile(bundle, from: source)
        var setAside = false
        if let spooled = spool.read(bundle) {
            if let entries = EntryBundle.decode(spooled), entries.count == bundle.width {
                let leaves = entries.map { MerkleHash.leaf($0) }
                if leaves == hashes {
                    return MirrorBundle(bundle: bundle, tile: hashes, entries: entries, leaves: leaves, encoded: spooled,
                                        bytesFetched: tileBytes, fromSpool: true)
                }
            }
            spool.setAside(bundle)
            setAside = true
        }
        let (entries, bytes, _) = try fetchEntries(bundle, from: source)
        let leaves = entries.map { MerkleHash.leaf($0) }
        let encoded = reframe(entries)
        if leaves == hashes { try spool.write(bundle, encoded) }
        var result = MirrorBundle(bundle: bundle, tile: hashes, entries: entries, leaves: leaves, encoded: encoded,
                                  bytesFetched: tileBytes + bytes, fromSpool: false)
        result.spooledCopySetAside = setAside
        return result
    }

    /// What a bundle's leaves must match, from the checked tiles (``CheckedTiles``).
    enum Expectation: Sendable {
        /// A full bundle: the perfect root of its 256 leaves, its level-0 tile's hash in the level-1 tile.
        case root(Hash32)
        /// The checkpoint's partial bundle: the leaves of its checked partial level-0 tile.
        case leaves([Hash32])

        /// Whether `leaves` are the ones expected.
        func matches(_ leaves: [Hash32]) -> Bool {
            switch self {
            case .root(let root): leaves.count == TileCoordinates.fullWidth && TileHashing.perfectRoot(leaves[...]) == root
            case .leaves(let expected): leaves == expected
            }
        }
    }

    /// A catch-up's fetch (Specs/static-log.md §11.3): the bundle from `spool` when a copy
    /// there matches what the checked tiles expect, else fetched and — when it matches —
    /// spooled (fsynced and renamed) before returning: a bundle whose transfer ended is never
    /// fetched again (§11.4). A full bundle is checked against its hash in the level-1 tile, so
    /// its level-0 tile is not fetched; only when it does not match is that tile fetched, to
    /// name the entry. A spooled copy that does not match is set aside and fetched again; a
    /// fetched one that does not match is not spooled and carries the fault in `mismatch`.
    /// - Throws: `SiteError` `.mirrorInvalid` (a tile or the bundle missing or malformed),
    ///   `.mirrorUnreachable` (the source), `.cannotWrite` (the spool).
    static func fetch(_ bundle: TileCoordinates, from source: any StaticLogSource, spool: BundleSpool,
                      tiles: CheckedTiles) throws -> MirrorBundle {
        let expected = try tiles.expectation(bundle)
        var setAside = false
        if let spooled = spool.read(bundle) {
            if let entries = EntryBundle.decode(spooled), entries.count == bundle.width {
                let hashed = HashedRecords(entries)
                if expected.matches(hashed.leaves) {
                    return MirrorBundle(bundle: bundle, tile: [], entries: entries, leaves: hashed.leaves, encoded: [],
                                        bytesFetched: 0, fromSpool: true, hashed: hashed)
                }
            }
            spool.setAside(bundle)
            setAside = true
        }
        let (entries, bytes, fetchedWhole) = try fetchEntries(bundle, from: source)
        let hashed = HashedRecords(entries)
        let leaves = hashed.leaves
        var result = MirrorBundle(bundle: bundle, tile: [], entries: entries, leaves: leaves, encoded: [],
                                  bytesFetched: bytes, fromSpool: false, hashed: hashed)
        result.spooledCopySetAside = setAside
        if expected.matches(leaves) {
            try spool.write(bundle, fetchedWhole ?? reframe(entries))
        } else {
            result.mismatch = try mismatch(bundle, leaves: leaves, expected: expected, from: source, fetched: &result)
        }
        return result
    }

    /// Why `leaves` do not match: the level-0 tile is fetched to name the first entry that
    /// differs (as ``check(against:)`` names it), or the tile itself does not fold to the root.
    private static func mismatch(_ bundle: TileCoordinates, leaves: [Hash32], expected: Expectation,
                                 from source: any StaticLogSource, fetched: inout MirrorBundle) throws -> SiteError {
        let tilePath = TileCoordinates(level: 0, index: bundle.index, width: bundle.width).path
        var hashes: [Hash32]
        switch expected {
        case .leaves(let known):
            hashes = known
        case .root(let root):
            let (tile, tileBytes) = try fetchTile(bundle, from: source)
            fetched = MirrorBundle(bundle: fetched.bundle, tile: tile, entries: fetched.entries, leaves: fetched.leaves,
                                   encoded: [], bytesFetched: fetched.bytesFetched + tileBytes, fromSpool: false,
                                   spooledCopySetAside: fetched.spooledCopySetAside)
            guard tile.count == TileCoordinates.fullWidth, TileHashing.perfectRoot(tile[...]) == root else {
                return SiteError(.mirrorInvalid, "\(tilePath) does not hash to its entry in the tile above")
            }
            hashes = tile
        }
        for (offset, leaf) in leaves.enumerated() where offset >= hashes.count || hashes[offset] != leaf {
            let index = bundle.index * UInt64(TileCoordinates.fullWidth) + UInt64(offset)
            return SiteError(.mirrorInvalid, "\(bundle.path): entry \(offset) (leaf \(index)) is not the leaf \(tilePath) holds there")
        }
        return SiteError(.mirrorInvalid, "\(bundle.path) does not hold the \(bundle.width) leaves \(tilePath) holds")
    }

    /// The level-0 tile holding the bundle's leaves, cut to its width, and the bytes fetched.
    private static func fetchTile(_ bundle: TileCoordinates, from source: any StaticLogSource) throws -> ([Hash32], Int) {
        let tileAt = TileCoordinates(level: 0, index: bundle.index, width: bundle.width)
        let (tileBytes, tilePath) = try fetchCut(tileAt, from: source)
        guard let hashes = TileHashing.decode(tileBytes), hashes.count == (tilePath == tileAt.path ? tileAt.width : TileCoordinates.fullWidth) else {
            throw SiteError(.mirrorInvalid, "\(tilePath) is not \(tileAt.width) hashes")
        }
        return (Array(hashes.prefix(bundle.width)), tileBytes.count)
    }

    /// The bundle's entries, cut to its width, and the bytes fetched.
    /// When the file read is the bundle's own (not a full one cut to a partial width), its
    /// bytes too: they are the bundle as spooled.
    private static func fetchEntries(_ bundle: TileCoordinates, from source: any StaticLogSource) throws -> ([[UInt8]], Int, [UInt8]?) {
        let (bytes, path) = try fetchCut(bundle, from: source)
        guard let decoded = EntryBundle.decode(bytes),
              path == bundle.path ? decoded.count == bundle.width : decoded.count == TileCoordinates.fullWidth
        else { throw SiteError(.mirrorInvalid, "\(path) is not \(path == bundle.path ? bundle.width : TileCoordinates.fullWidth) length-prefixed entries") }
        return (Array(decoded.prefix(bundle.width)), bytes.count, path == bundle.path ? bytes : nil)
    }

    /// The entries framed as a bundle (Specs/static-log.md §2.3): the spool's bytes.
    private static func reframe(_ entries: [[UInt8]]) -> [UInt8] {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(entries.reduce(0) { $0 + $1.count + 2 })
        for entry in entries { EntryBundle.append(entry, to: &encoded) }
        return encoded
    }

    /// A file at its own path, or (a partial one that is gone) the full file at its place.
    private static func fetchCut(_ at: TileCoordinates, from source: any StaticLogSource) throws -> ([UInt8], String) {
        for path in at.isFull ? [at.path] : [at.path, at.fullPath] {
            if let bytes = try source.fetch(path, limit: StaticLogSources.maximumFileBytes) { return (bytes, path) }
        }
        throw SiteError(.mirrorInvalid, "\(at.path) is missing from \(source.location)")
    }

    /// Checks the bundle against `tree`: its level-0 tile must hash to its entry in the
    /// (checked) tile above, or be the checkpoint's checked partial tile, and each entry's
    /// leaf hash must be the tile's hash at its place.
    /// - Throws: `SiteError` `.mirrorInvalid` naming the path and the leaf index.
    func check(against tree: inout TileTree) throws {
        let (full, _) = TileCoordinates.tiles(level: 0, treeSize: tree.checkpoint.treeSize)
        let tilePath = TileCoordinates(level: 0, index: bundle.index, width: bundle.width).path
        let hashes: [Hash32]
        do {
            if bundle.index < full {
                // Not kept in the tree's cache: memory stays bounded by the tiles of level 1 and up.
                let parent = try tree.hashes(level: 1, index: bundle.index >> 8)
                guard tile.count == TileCoordinates.fullWidth, TileHashing.perfectRoot(tile[...]) == parent[Int(bundle.index & 0xff)] else {
                    throw SiteError(.mirrorInvalid, "\(tilePath) does not hash to its entry in the tile above")
                }
                hashes = tile
            } else {
                hashes = try tree.hashes(level: 0, index: bundle.index)
            }
        } catch let error as SiteError where error.code == .invalidRequest {
            throw SiteError(.mirrorInvalid, error.message, underlying: error)
        }
        for (offset, leaf) in leaves.enumerated() where offset >= hashes.count || hashes[offset] != leaf {
            let index = bundle.index * UInt64(TileCoordinates.fullWidth) + UInt64(offset)
            throw SiteError(.mirrorInvalid, "\(bundle.path): entry \(offset) (leaf \(index)) is not the leaf \(tilePath) holds there")
        }
    }
}
