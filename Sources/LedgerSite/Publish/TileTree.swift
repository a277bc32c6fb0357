import LedgerCore

/// A published tree read back from its tiles, each tile checked up to a verified
/// checkpoint's root before it is used (Specs/static-log.md §7.1): the client side that
/// `sync --mirror` and witnesses build on.
///
/// The checkpoint's partial tiles are checked by folding them into its root (§3); a full
/// tile is checked by hashing it and finding that hash in its parent tile, itself checked
/// the same way. The root at any earlier size is then folded from checked tiles: a
/// consistency check between two checkpoints with nothing but tiles.
public struct TileTree {
    /// Reads a file of the published log by its path under the prefix; nil when it is not there.
    public typealias Fetch = (String) throws -> [UInt8]?

    /// The checkpoint the tiles are checked against.
    public let checkpoint: Checkpoint
    private let fetch: Fetch
    /// Tiles checked so far, by level and index.
    private var checked: [TileCoordinates: [Hash32]] = [:]

    /// Reads the checkpoint's partial tiles and checks that they fold into its root.
    /// - Parameter checkpoint: a checkpoint whose signature the caller verified.
    /// - Throws: `SiteError` `.invalidRequest` when a tile is missing or does not match.
    public init(checkpoint: Checkpoint, fetch: @escaping Fetch) throws {
        self.checkpoint = checkpoint
        self.fetch = fetch
        var partials: [[Hash32]] = []
        for level in 0..<TileCoordinates.levels(treeSize: checkpoint.treeSize) {
            let (full, width) = TileCoordinates.tiles(level: level, treeSize: checkpoint.treeSize)
            let tile = TileCoordinates(level: level, index: full, width: max(width, 1))
            let hashes = width == 0 ? [] : try read(tile)
            if width > 0 { checked[TileCoordinates(level: level, index: full, width: TileCoordinates.fullWidth)] = hashes }
            partials.append(hashes)
        }
        guard TileHashing.root(partials: partials) == checkpoint.rootHash else {
            throw SiteError(.invalidRequest, "the partial tiles of tree size \(checkpoint.treeSize) do not hash to the checkpoint's root")
        }
    }

    /// The root of the tree's first `size` leaves, from checked tiles.
    /// - Throws: `SiteError` `.invalidRequest` when `size` exceeds the checkpoint's or a tile
    ///   is missing or does not match its parent.
    public mutating func root(atSize size: UInt64) throws -> Hash32 {
        guard size <= checkpoint.treeSize else {
            throw SiteError(.invalidRequest, "tree size \(size) is beyond the checkpoint's \(checkpoint.treeSize)")
        }
        var partials: [[Hash32]] = []
        for level in 0..<TileCoordinates.levels(treeSize: size) {
            let (index, width) = TileCoordinates.tiles(level: level, treeSize: size)
            partials.append(width == 0 ? [] : Array(try hashes(level: level, index: index).prefix(width)))
        }
        return TileHashing.root(partials: partials)
    }

    /// The checked hashes of the tile at `level`, `index` of the checkpoint's tree (all of a
    /// full tile, the checkpoint's width of a partial one).
    public mutating func hashes(level: Int, index: UInt64) throws -> [Hash32] {
        let key = TileCoordinates(level: level, index: index, width: TileCoordinates.fullWidth)
        if let known = checked[key] { return known }
        let (full, _) = TileCoordinates.tiles(level: level, treeSize: checkpoint.treeSize)
        guard index < full else {
            throw SiteError(.invalidRequest, "tile \(index) of level \(level) is beyond tree size \(checkpoint.treeSize)")
        }
        // A full tile below the checkpoint's partial ones: its root is a hash in its parent.
        let tile = try read(key)
        let parent = try hashes(level: level + 1, index: index >> 8)
        guard TileHashing.perfectRoot(tile[...]) == parent[Int(index & 0xff)] else {
            throw SiteError(.invalidRequest, "\(key.path) does not hash to its entry in the tile above")
        }
        checked[key] = tile
        return tile
    }

    /// A tile's hashes as served: the partial path, else the full tile cut to the width.
    private func read(_ tile: TileCoordinates) throws -> [Hash32] {
        for candidate in tile.isFull ? [tile.path] : [tile.path, tile.fullPath] {
            guard let bytes = try fetch(candidate) else { continue }
            guard let hashes = TileHashing.decode(bytes), hashes.count >= tile.width,
                  candidate == tile.fullPath ? hashes.count == TileCoordinates.fullWidth : hashes.count == tile.width
            else { throw SiteError(.invalidRequest, "\(candidate) is not \(tile.width) hashes") }
            return Array(hashes.prefix(tile.width))
        }
        throw SiteError(.invalidRequest, "\(tile.path) is missing")
    }
}
