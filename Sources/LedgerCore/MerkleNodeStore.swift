/// Where a `MerkleTree` keeps the hashes of its perfect subtrees.
///
/// `Specs/merkle-log.md` §4: the node at `level` L and `index` i is the root of the perfect
/// subtree over leaves [i·2^L, (i+1)·2^L); level 0 holds the leaf hashes. Levels only grow
/// at the end, so a store can be a set of append-only arrays or files. The tree keeps the
/// invariant `count(L + 1) == count(L) / 2`; a store need not check it.
public protocol MerkleNodeStore {
    /// How many nodes level `level` holds (0 for a level never written).
    func count(level: Int) -> UInt64
    /// The node at `level`, `index`.
    /// - Throws: `CoreError` `.outOfRange` when `index >= count(level:)`, or `.io`.
    func node(level: Int, index: UInt64) throws -> Hash32
    /// Appends a node at the end of `level`.
    mutating func append(_ hash: Hash32, level: Int) throws
    /// Drops the nodes of `level` from `count` on (used by recovery and `MerkleTree.truncate`).
    mutating func truncate(level: Int, count: UInt64) throws
    /// Makes everything appended so far durable (for a file store: write and fsync).
    mutating func sync() throws
}

/// A node store in memory, for tests, bundles and proofs computed on the fly.
public struct InMemoryMerkleNodeStore: MerkleNodeStore, Sendable {
    private var levels: [[Hash32]] = []

    /// Creates an empty store.
    public init() {}

    /// How many nodes `level` holds.
    public func count(level: Int) -> UInt64 {
        level < levels.count ? UInt64(levels[level].count) : 0
    }

    /// The node at `level`, `index`.
    public func node(level: Int, index: UInt64) throws -> Hash32 {
        guard level < levels.count, index < UInt64(levels[level].count) else {
            throw CoreError(.outOfRange, "no Merkle node at level \(level) index \(index)")
        }
        return levels[level][Int(index)]
    }

    /// Appends a node at the end of `level`.
    public mutating func append(_ hash: Hash32, level: Int) throws {
        while levels.count <= level { levels.append([]) }
        levels[level].append(hash)
    }

    /// Drops the nodes of `level` from `count` on.
    public mutating func truncate(level: Int, count: UInt64) throws {
        guard level < levels.count, count < UInt64(levels[level].count) else { return }
        levels[level].removeSubrange(Int(count)...)
    }

    /// Nothing to do in memory.
    public mutating func sync() throws {}
}
