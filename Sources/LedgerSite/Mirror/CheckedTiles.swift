import Foundation
import LedgerCore

/// The checkpoint's tile tree shared by a catch-up's download threads (Specs/static-log.md
/// §11.3): each asks it for the hash its bundle must fold to. A tile of level 1 and up is
/// fetched and checked up to the root once, by the first thread that needs it, under the lock.
final class CheckedTiles: @unchecked Sendable {  // `tree` is read and written under `lock`
    private let lock = NSLock()
    private var tree: TileTree
    /// The checkpoint's tree size.
    let treeSize: UInt64

    init(_ tree: TileTree) {
        self.tree = tree
        treeSize = tree.checkpoint.treeSize
    }

    /// What the leaves of `bundle` must match: for a full bundle, its level-0 tile's hash in
    /// the level-1 tile (the perfect root of its 256 leaves); for the checkpoint's partial
    /// bundle, the leaves of the partial level-0 tile the checkpoint was opened with.
    /// - Throws: `SiteError` `.mirrorInvalid` when a tile is missing or does not check.
    func expectation(_ bundle: TileCoordinates) throws -> MirrorBundle.Expectation {
        let (full, _) = TileCoordinates.tiles(level: 0, treeSize: treeSize)
        lock.lock(); defer { lock.unlock() }
        do {
            if bundle.index < full {
                let parent = try tree.hashes(level: 1, index: bundle.index >> 8)
                return .root(parent[Int(bundle.index & 0xff)])
            }
            return .leaves(Array(try tree.hashes(level: 0, index: bundle.index).prefix(bundle.width)))
        } catch let error as SiteError where error.code == .invalidRequest {
            throw SiteError(.mirrorInvalid, error.message, underlying: error)
        }
    }
}
