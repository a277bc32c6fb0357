import LedgerCore

/// A growable array stored as chunks of at most 4,096 elements: appending never copies what
/// is stored (no doubling of one large buffer, so the slack is at most the last chunk's), and
/// a copy of the whole (a value that another holder shares) costs one chunk when written, not
/// all of them (Specs/sync-protocol.md §3.4).
struct ChunkedArray<Element: Sendable>: Sendable {
    static var chunkShift: Int { 12 }
    static var chunkMask: Int { (1 << chunkShift) - 1 }

    private(set) var chunks: [ContiguousArray<Element>] = []
    private(set) var count = 0

    subscript(index: Int) -> Element {
        get { chunks[index >> Self.chunkShift][index & Self.chunkMask] }
        set { chunks[index >> Self.chunkShift][index & Self.chunkMask] = newValue }
    }

    mutating func append(_ element: Element) {
        // A chunk grows by doubling up to its size: a small set stays small.
        if count & Self.chunkMask == 0 { chunks.append([]) }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    /// Bytes the chunks hold room for.
    var capacityBytes: Int {
        chunks.reduce(0) { $0 + $1.capacity * MemoryLayout<Element>.stride } + chunks.capacity * MemoryLayout<ContiguousArray<Element>>.stride
    }
}

/// The ids of every leaf that holds exactly `width` ids, each leaf a slot of `width`
/// consecutive ids in ascending order, slots packed with no gap: a freed slot is filled by the
/// pool's last one (whose node is told its new slot), so the pool holds 32 bytes per id and a
/// node number per leaf (Specs/sync-protocol.md §3.4).
struct LeafPool: Sendable {
    /// Ids per leaf, 1...32.
    let width: Int
    /// Slots per chunk: a chunk holds at most 2,048 ids (64 KiB), never a slot across two chunks.
    let slotsPerChunk: Int
    private(set) var chunks: [ContiguousArray<Hash32>] = []
    /// The node that owns each slot.
    private(set) var owners: [Int32] = []

    init(width: Int) {
        self.width = width
        slotsPerChunk = max(1, 2_048 / max(1, width))
    }

    var count: Int { owners.count }

    /// The ids of `slot`, ascending.
    func ids(_ slot: Int) -> ArraySlice<Hash32> {
        let start = (slot % slotsPerChunk) * width
        return chunks[slot / slotsPerChunk][start..<start + width]
    }

    /// One id of `slot`.
    func id(_ slot: Int, _ offset: Int) -> Hash32 {
        chunks[slot / slotsPerChunk][(slot % slotsPerChunk) * width + offset]
    }

    /// A new slot for `owner`, filled by `fill`, which must append exactly `width` ids to the
    /// chunk it is given.
    mutating func append(owner: Int32, _ fill: (inout ContiguousArray<Hash32>) -> Void) -> Int {
        let slot = count
        if slot % slotsPerChunk == 0 { chunks.append([]) }
        // Doubling, but never past the chunk's size: a chunk of 682 slots of 3 ids would
        // otherwise grow from 1,536 to 3,072 ids of room for its 2,046.
        let last = chunks.count - 1, needed = chunks[last].count + width
        if needed > chunks[last].capacity {
            chunks[last].reserveCapacity(min(slotsPerChunk * width, max(needed, 2 * chunks[last].capacity)))
        }
        fill(&chunks[last])
        owners.append(owner)
        return slot
    }

    /// Frees `slot`: the last slot's ids and owner move into it. Returns the owner that moved
    /// (its node must be given slot `slot`), or nil when `slot` was the last.
    mutating func remove(_ slot: Int) -> Int32? {
        let last = count - 1
        var moved: Int32?
        if slot != last {
            let to = (slot / slotsPerChunk, (slot % slotsPerChunk) * width)
            let from = (last / slotsPerChunk, (last % slotsPerChunk) * width)
            for offset in 0..<width { chunks[to.0][to.1 + offset] = chunks[from.0][from.1 + offset] }
            owners[slot] = owners[last]
            moved = owners[slot]
        }
        owners.removeLast()
        chunks[chunks.count - 1].removeLast(width)
        if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
        return moved
    }

    /// Bytes the pool holds room for.
    var capacityBytes: Int {
        chunks.reduce(0) { $0 + $1.capacity * MemoryLayout<Hash32>.stride } + owners.capacity * 4
            + chunks.capacity * MemoryLayout<ContiguousArray<Hash32>>.stride
    }
}

extension ReconcilableSet {
    /// What is wrong with the storage, empty when nothing is: every node's count is its
    /// children's sum or its leaf's width, every pool slot's owner is a leaf of that width
    /// naming that slot, every leaf is sorted and lies in its range, and the root counts
    /// every pooled id. For the tests (swift-collections' `_checkInvariants()`).
    func storageProblems() -> [String] {
        var problems: [String] = []
        var pooled = 0
        for width in 1...Self.leafCapacity {
            let pool = pools[width]
            pooled += pool.count * width
            for slot in 0..<pool.count {
                let owner = nodes[Int(pool.owners[slot])]
                if !owner.isLeaf || owner.count != width || Int(owner.ref) != slot {
                    problems.append("pool \(width) slot \(slot): its owner is not a leaf of that width naming it")
                }
            }
        }
        if pooled != count { problems.append("the pools hold \(pooled) ids, the root counts \(count)") }
        func check(_ index: Int, _ prefix: IdPrefix) {
            let node = nodes[index]
            if node.isDirty { problems.append("node \(index) has a stale hash") }
            if node.isLeaf {
                let ids = Array(leafIDs(node))
                if !zip(ids, ids.dropFirst()).allSatisfy({ Self.less($0, $1) }) { problems.append("leaf \(index) is not sorted") }
                if !ids.allSatisfy(prefix.contains) { problems.append("leaf \(index) holds an id outside \(prefix)") }
                if ids.count > Self.leafCapacity { problems.append("leaf \(index) holds \(ids.count) ids") }
                return
            }
            var sum = 0
            for nibble in 0..<16 {
                let child = Int(childSlots[node.block * 16 + nibble])
                guard child >= 0 else { continue }
                sum += nodes[child].count
                check(child, prefix.child(nibble))
            }
            if sum != node.count || sum <= Self.leafCapacity { problems.append("inner node \(index) counts \(node.count), its children \(sum)") }
        }
        check(0, .root)
        return problems
    }
}
