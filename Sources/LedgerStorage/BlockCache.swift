/// A small least-recently-used cache of decoded blocks, so nearby reads do not re-decompress.
struct BlockCache {
    struct Key: Hashable {
        let segment: UInt64
        let offset: UInt64
    }

    private var entries: [Key: (block: DecodedBlock, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func get(_ key: Key) -> DecodedBlock? {
        guard let entry = entries[key] else { return nil }
        clock += 1
        entries[key] = (entry.block, clock)
        return entry.block
    }

    mutating func put(_ key: Key, _ block: DecodedBlock) {
        clock += 1
        if entries[key] == nil, entries.count >= capacity,
            let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key
        {
            entries[oldest] = nil
        }
        entries[key] = (block, clock)
    }

    mutating func removeAll() { entries.removeAll() }
}
