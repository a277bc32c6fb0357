/// Where a tile or an entry bundle of a static log lives, and which ones a tree size needs
/// (C2SP tlog-tiles; Specs/static-log.md §2–§3).
///
/// A tile at level `L`, index `N` holds up to 256 consecutive Merkle hashes; hash `i` is the
/// root of the perfect subtree over leaves `[(N·256 + i)·256^L, (N·256 + i + 1)·256^L)`. A
/// tile of fewer than 256 hashes is *partial* and its path carries its width.
public struct TileCoordinates: Hashable, Sendable, CustomStringConvertible {
    /// Hashes in a full tile, entries in a full bundle.
    public static let fullWidth = 256

    /// The tile's level (0: leaf hashes); unused (0) for an entry bundle.
    public var level: Int
    /// The tile's index within its level.
    public var index: UInt64
    /// How many hashes (or entries) it holds: 1…256; 256 is a full tile.
    public var width: Int
    /// Whether this is an entry bundle rather than a hash tile.
    public var isEntryBundle: Bool

    /// A hash tile.
    public init(level: Int, index: UInt64, width: Int) {
        self.level = level; self.index = index; self.width = width; self.isEntryBundle = false
    }

    /// An entry bundle (its leaves are the level-0 tile of the same index).
    public init(entriesIndex index: UInt64, width: Int) {
        self.level = 0; self.index = index; self.width = width; self.isEntryBundle = true
    }

    /// Whether the tile holds all 256 hashes (or entries).
    public var isFull: Bool { width == Self.fullWidth }

    /// The path under the log's prefix: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
    public var path: String {
        let head = isEntryBundle ? "tile/entries/" : "tile/\(level)/"
        return head + Self.encodedIndex(index) + (isFull ? "" : ".p/\(width)")
    }

    /// The path of the full tile at the same place (where a partial one is superseded).
    public var fullPath: String {
        var full = self
        full.width = Self.fullWidth
        return full.path
    }

    /// The path.
    public var description: String { path }

    /// A tile index as tlog-tiles writes it: zero-padded three-digit elements, all but the
    /// last prefixed with `x` (1234067 → `x001/x234/067`, 5 → `005`).
    public static func encodedIndex(_ index: UInt64) -> String {
        var groups: [UInt64] = []
        var rest = index
        repeat {
            groups.append(rest % 1000)
            rest /= 1000
        } while rest > 0
        let padded = groups.reversed().map { group -> String in
            let digits = String(group)
            return String(repeating: "0", count: 3 - digits.count) + digits
        }
        return padded.dropLast().map { "x" + $0 + "/" }.joined() + (padded.last ?? "000")
    }

    /// The leaves a hash in a tile at `level` covers: 256^level (as a shift amount, 8·level).
    static func shift(level: Int) -> UInt64 { UInt64(8 * level) }

    /// The hash tiles a tree of `size` leaves is served as, at `level`: the full ones'
    /// count and the partial one's width (0 when there is none).
    public static func tiles(level: Int, treeSize size: UInt64) -> (full: UInt64, partialWidth: Int) {
        let hashes = size >> shift(level: level)
        return (hashes >> 8, Int(hashes & 0xff))
    }

    /// The number of levels that hold at least one hash for a tree of `size` leaves.
    public static func levels(treeSize size: UInt64) -> Int {
        var level = 0
        while size >> shift(level: level) > 0 { level += 1 }
        return level
    }

    /// Every tile a tree of `size` leaves needs, level 0 first, then the entry bundles.
    public static func all(treeSize size: UInt64) -> [TileCoordinates] {
        var out: [TileCoordinates] = []
        for level in 0..<levels(treeSize: size) {
            let (full, partial) = tiles(level: level, treeSize: size)
            for index in 0..<full { out.append(TileCoordinates(level: level, index: index, width: fullWidth)) }
            if partial > 0 { out.append(TileCoordinates(level: level, index: full, width: partial)) }
        }
        let (full, partial) = tiles(level: 0, treeSize: size)
        for index in 0..<full { out.append(TileCoordinates(entriesIndex: index, width: fullWidth)) }
        if partial > 0 { out.append(TileCoordinates(entriesIndex: full, width: partial)) }
        return out
    }
}
