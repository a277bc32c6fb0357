import LedgerCore
import Synchronization

/// The checkpoint's tile tree shared by a catch-up's download threads (Specs/static-log.md
/// §11.3): each asks it for the hash its bundle must fold to. A tile of level 1 and up is
/// fetched and checked up to the root once, by the first thread that needs it, under the mutex.
final class CheckedTiles: Sendable {
    /// `TileTree` is not `Sendable` (it holds its fetch closure and caches); the mutex owns
    /// the only reference, handed over by the `sending` initialiser.
    private let tree: Mutex<TileTree>
    /// The checkpoint's tree size.
    let treeSize: UInt64

    /// Takes the checked tree; the caller gives it up (`sending`), so no other thread reaches it.
    init(_ tree: sending TileTree) {
        treeSize = tree.checkpoint.treeSize
        self.tree = Mutex(tree)
    }

    /// What the leaves of `bundle` must match: for a full bundle, its level-0 tile's hash in
    /// the level-1 tile (the perfect root of its 256 leaves); for the checkpoint's partial
    /// bundle, the leaves of the partial level-0 tile the checkpoint was opened with.
    /// - Throws: `SiteError` `.mirrorInvalid` when a tile is missing or does not check.
    func expectation(_ bundle: TileCoordinates) throws -> MirrorBundle.Expectation {
        let (full, _) = TileCoordinates.tiles(level: 0, treeSize: treeSize)
        do {
            return try tree.withLock { tree throws -> MirrorBundle.Expectation in
                if bundle.index < full {
                    let parent = try tree.hashes(level: 1, index: bundle.index >> 8)
                    return .root(parent[Int(bundle.index & 0xff)])
                }
                return .leaves(Array(try tree.hashes(level: 0, index: bundle.index).prefix(bundle.width)))
            }
        } catch let error as SiteError where error.code == .invalidRequest {
            throw SiteError(.mirrorInvalid, error.message, underlying: error)
        }
    }
}
