import Crypto
import LedgerCore
import NIOConcurrencyHelpers

/// A thread-safe set of 32-byte items: the store behind `SetUnionConversation`, the load the
/// transport's tests and `careledger-bench tcp-load --no-ledgers` put on the TCP transport
/// without any ledger.
///
/// Why shared and locked: a server's sessions run concurrently and all merge into one store,
/// as they all write into one ledger in production.
public final class ItemSet: Sendable {
    /// The items and, when computed since the last change, their digest.
    private let state: NIOLockedValueBox<(items: Set<Hash32>, digest: Hash32?)>

    /// Creates a set holding `items`.
    public init(_ items: some Sequence<Hash32> = []) {
        self.state = NIOLockedValueBox((Set(items), nil))
    }

    /// A copy of the current items.
    public var snapshot: Set<Hash32> { state.withLockedValue { $0.items } }

    /// The number of items.
    public var count: Int { state.withLockedValue { $0.items.count } }

    /// Adds `newItems`; returns how many were new.
    @discardableResult
    public func merge(_ newItems: some Sequence<Hash32>) -> Int {
        state.withLockedValue { state in
            var added = 0
            for item in newItems where state.items.insert(item).inserted { added += 1 }
            if added > 0 { state.digest = nil }
            return added
        }
    }

    /// SHA-256 over the items in ascending order: equal sets have equal digests. Cached until
    /// the next change, since every session of a server asks for it.
    public var digest: Hash32 {
        state.withLockedValue { state in
            if let digest = state.digest { return digest }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(32 * state.items.count)
            for item in state.items.sorted() { item.append(to: &bytes) }
            let digest = Hash32(SHA256.hash(data: bytes))
            state.digest = digest
            return digest
        }
    }
}
