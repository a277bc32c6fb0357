import Crypto
import LedgerCore

/// A thread-safe set of 32-byte items, standing in for a site's entry store in tests and in
/// the `tcp-load` benchmark until the real sync state machine is plugged in.
///
/// Why shared and locked: a server's sessions run concurrently and all merge into one store,
/// just as they will all write into one ledger.
public final class ItemSet: Sendable {
    private let items: LockedBox<Set<Hash32>>

    /// Creates a set holding `items`.
    public init(_ items: some Sequence<Hash32> = []) {
        self.items = LockedBox(Set(items))
    }

    /// A copy of the current items.
    public var snapshot: Set<Hash32> { items.withLock { $0 } }

    /// The number of items.
    public var count: Int { items.withLock { $0.count } }

    /// Adds `newItems`; returns how many were new.
    @discardableResult
    public func merge(_ newItems: some Sequence<Hash32>) -> Int {
        items.withLock { set in
            var added = 0
            for item in newItems where set.insert(item).inserted { added += 1 }
            return added
        }
    }

    /// SHA-256 over the items in ascending order: equal sets have equal digests.
    public var digest: Hash32 {
        let sorted = snapshot.sorted()
        var hasher = SHA256()
        for item in sorted { hasher.update(data: item.bytes) }
        return Hash32(bytes: Array(hasher.finalize())) ?? .zero
    }
}
