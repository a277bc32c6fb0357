/// A fixed-size set of small integers, one bit each: which ids of a snapshot a session sent
/// (`ReconcileSession`, indexed by `ReconcilableSet.rank(of:)`).
struct BitSet: Sendable {
    private var words: [UInt64]

    /// How many integers (0 ..< capacity) the set can hold.
    let capacity: Int

    /// A set for 0 ..< `capacity`, empty.
    init(capacity: Int = 0) {
        self.capacity = max(0, capacity)
        words = Array(repeating: 0, count: (self.capacity + 63) / 64)
    }

    /// Adds `value`; false when it was present or out of range.
    mutating func insert(_ value: Int) -> Bool {
        guard value >= 0 && value < capacity else { return false }
        let mask: UInt64 = 1 << UInt64(value & 63)
        if words[value >> 6] & mask != 0 { return false }
        words[value >> 6] |= mask
        return true
    }

    /// Whether `value` is in the set.
    func contains(_ value: Int) -> Bool {
        guard value >= 0 && value < capacity else { return false }
        return words[value >> 6] & (1 << UInt64(value & 63)) != 0
    }
}
