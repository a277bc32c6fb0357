import LedgerCore

/// Turns a log's entries into the tiles and bundles of a static log: a pure state machine,
/// fed entries in log order, that returns the files to write (Specs/static-log.md §5).
///
/// It starts where a previous publish stopped: at the first leaf of the level-0 tile that
/// was partial, with each upper level's partial tile as it was. Each level keeps the hashes
/// of its tile being filled; a tile that fills is emitted and its root carried a level up.
public struct TileBuilder: Sendable {
    /// A file to write: where, and its bytes.
    public struct Output: Sendable, Equatable {
        /// The tile or bundle.
        public var tile: TileCoordinates
        /// Its bytes.
        public var bytes: [UInt8]
    }

    /// The hashes of each level's tile being filled (level 0: leaf hashes).
    private var levels: [[Hash32]]
    /// The index of each level's tile being filled.
    private var indices: [UInt64]
    /// The entry bundle being filled.
    private var bundle: [UInt8] = []
    /// Leaves added so far (the tree size reached).
    public private(set) var size: UInt64

    /// Starts at tree size `size`, given the hashes of its partial tiles at levels 1 and up
    /// (`upperPartials[0]` is level 1); the entries from leaf `firstLeaf` on must be added.
    /// - Precondition: each level's hashes count `(size >> 8L) & 255` (the caller checked
    ///   them against a signed root).
    public init(size: UInt64, upperPartials: [[Hash32]]) {
        self.size = (size >> 8) << 8
        self.levels = [[]] + upperPartials
        self.indices = (0..<levels.count).map { size >> TileCoordinates.shift(level: $0 + 1) }
    }

    /// The first leaf whose entry must be added: the start of the level-0 tile that was partial.
    public var firstLeaf: UInt64 { indices[0] << 8 }

    /// The tiles where a partial tile may have been superseded by a full one by now: the
    /// tile being filled at each level when the builder started.
    public var startTiles: [TileCoordinates] {
        (0..<indices.count).map { TileCoordinates(level: $0, index: indices[$0], width: TileCoordinates.fullWidth) }
            + [TileCoordinates(entriesIndex: indices[0], width: TileCoordinates.fullWidth)]
    }

    /// Adds the next entry (its bytes are its leaf); returns the files it completes.
    /// - Precondition: `entry.count <= EntryBundle.maximumEntryBytes`.
    public mutating func add(_ entry: [UInt8]) -> [Output] {
        EntryBundle.append(entry, to: &bundle)
        levels[0].append(MerkleHash.leaf(entry))
        size += 1
        guard levels[0].count == TileCoordinates.fullWidth else { return [] }
        var out = [Output(tile: TileCoordinates(entriesIndex: indices[0], width: TileCoordinates.fullWidth), bytes: bundle)]
        bundle = []
        var level = 0
        while levels[level].count == TileCoordinates.fullWidth {
            out.append(Output(tile: TileCoordinates(level: level, index: indices[level], width: TileCoordinates.fullWidth),
                              bytes: TileHashing.encode(levels[level])))
            let parent = TileHashing.perfectRoot(levels[level][...])
            levels[level] = []
            indices[level] += 1
            if levels.count == level + 1 {
                levels.append([])
                indices.append(0)
            }
            levels[level + 1].append(parent)
            level += 1
        }
        return out
    }

    /// The partial tiles and partial bundle of the size reached, and its root.
    public func finish() -> (partials: [Output], root: Hash32) {
        var out: [Output] = []
        if !levels[0].isEmpty {
            out.append(Output(tile: TileCoordinates(entriesIndex: indices[0], width: levels[0].count), bytes: bundle))
        }
        for level in levels.indices where !levels[level].isEmpty {
            out.append(Output(tile: TileCoordinates(level: level, index: indices[level], width: levels[level].count),
                              bytes: TileHashing.encode(levels[level])))
        }
        return (out, TileHashing.root(partials: levels))
    }
}
