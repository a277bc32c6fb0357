import LedgerCore

/// Checks received items before anything is stored; injected by the integrator.
///
/// The sync layer treats items as opaque bytes, so everything that makes an entry
/// trustworthy (its id matches its bytes, signature, author links, membership) is
/// decided here. Throwing cuts the peer off: the exchange fails and nothing the peer sent
/// in it since the last commit batch is committed (Specs/sync-protocol.md §5.4).
public protocol SyncItemVerifier: Sendable {
    /// Verifies one batch (one ITEMS message) of items new to this site, in arrival order.
    /// - Throws: any error; it becomes the `underlying` cause of a `sync.item-rejected` error.
    func verify(_ items: [SyncItem]) throws
}

/// Stores one commit batch of an exchange atomically; injected by the integrator.
///
/// A commit either stores every item or none (a torn commit must be rolled back or
/// recovered to "none" by the store). A bundle is one batch, so a rejected bundle leaves
/// the ledger unchanged; an interactive exchange commits a batch at a time (§5.4), so a
/// cut-off exchange keeps the verified batches committed before the cut. Committing an
/// item already held must be a no-op (idempotent import).
public protocol SyncItemStore {
    /// Stores all of `items` or none of them.
    func commit(_ items: [SyncItem]) throws
}

/// Loads the bytes of items this site holds, to send them; injected by the integrator.
public protocol SyncItemProvider {
    /// The bytes of the item with `id`, or nil when the site does not hold it.
    func itemBytes(for id: Hash32) throws -> [UInt8]?

    /// The order to send `ids` in, as positions in `ids` (a permutation of its indices), or
    /// nil to send them as given. A store whose items depend on each other (an entry on its
    /// author's previous entry, a member's entries on its admission) orders them so each
    /// comes after what it depends on, and a receiver that commits batch by batch finds every
    /// predecessor already stored (§5.4). Positions, not a reordered copy: a flight of a
    /// whole ledger then costs 8 bytes an id beside the ids, not 32.
    func sendingOrder(_ ids: [Hash32]) -> [Int]?
}

extension SyncItemProvider {
    /// Nil, the order as given: for stores whose items do not depend on each other.
    public func sendingOrder(_ ids: [Hash32]) -> [Int]? { nil }

    /// The items with `ids`, in that order; `use` ("to send", "for the bundle") completes the
    /// error messages.
    /// - Throws: `sync.item-unavailable` when the provider lacks an id or fails.
    func items(for ids: [Hash32], _ use: String) throws(SyncError) -> [SyncItem] {
        var items: [SyncItem] = []
        items.reserveCapacity(ids.count)
        for id in ids { items.append(try item(for: id, use)) }
        return items
    }

    /// The item with `id`.
    /// - Throws: `sync.item-unavailable` when the provider lacks it or fails.
    func item(for id: Hash32, _ use: String) throws(SyncError) -> SyncItem {
        let bytes: [UInt8]?
        do { bytes = try itemBytes(for: id) } catch {
            throw SyncError(.itemUnavailable, "could not load an item \(use)", itemID: id, underlying: error)
        }
        guard let bytes else { throw SyncError(.itemUnavailable, "an item chosen \(use) is not in the local store", itemID: id) }
        return SyncItem(id: id, bytes: bytes)
    }
}

/// Compresses bundle payloads; the lead wires the LZ4 frame codec (issue 2's LZ4Codec).
///
/// Kept behind a protocol so that LedgerSync builds without the codec and tests can use
/// the identity codec. The codec id is written into every bundle (Specs/bundle-format.md §4).
public protocol BundleCompressor: Sendable {
    /// The codec id in the bundle header: 0 = stored (identity), 1 = LZ4 frame.
    var codecID: UInt8 { get }
    /// Compresses a payload.
    func compress(_ bytes: [UInt8]) throws -> [UInt8]
    /// Decompresses a payload that must expand to exactly `expectedSize` bytes; the
    /// reader has already checked `expectedSize` against its cap.
    func decompress(_ bytes: [UInt8], expectedSize: Int) throws -> [UInt8]
}

/// The identity "compressor" (codec id 0): for tests and for payloads that do not shrink.
public struct StoredCompressor: BundleCompressor {
    /// Creates the identity codec.
    public init() {}
    /// Always 0.
    public var codecID: UInt8 { 0 }
    /// Returns `bytes` unchanged.
    public func compress(_ bytes: [UInt8]) throws -> [UInt8] { bytes }
    /// Returns `bytes` unchanged when they have the expected size.
    public func decompress(_ bytes: [UInt8], expectedSize: Int) throws -> [UInt8] {
        guard bytes.count == expectedSize else {
            throw SyncError(.decompressionFailed, "stored payload is \(bytes.count) bytes, header says \(expectedSize)")
        }
        return bytes
    }
}
