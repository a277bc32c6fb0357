import LedgerCore

/// Turns ids to send into ITEMS messages of bounded size (Specs/sync-protocol.md §4.3).
public enum SyncItemChunker {
    /// Target body size of one ITEMS message; a single larger item gets a message of its own.
    public static let defaultChunkBytes = 1 << 20

    /// Loads `ids` through `provider` and packs them into ITEMS messages.
    /// - Throws: `sync.item-unavailable` when the provider lacks an id or fails.
    public static func messages(for ids: [Hash32], provider: any SyncItemProvider,
                                chunkBytes: Int = defaultChunkBytes) throws(SyncError) -> [SyncMessage] {
        messages(for: try provider.items(for: ids, "to send"), chunkBytes: chunkBytes)
    }

    /// The bytes `item` adds to an ITEMS message body: its id, its length, its encoding.
    public static func cost(of item: SyncItem) -> Int { 32 + 5 + item.bytes.count }

    /// Packs items into ITEMS messages whose bodies stay near `chunkBytes`.
    public static func messages(for items: [SyncItem], chunkBytes: Int = defaultChunkBytes) -> [SyncMessage] {
        var messages: [SyncMessage] = []
        var current: [SyncItem] = []
        var size = 0
        for item in items {
            let cost = cost(of: item)
            if !current.isEmpty && size + cost > chunkBytes {
                messages.append(.items(current))
                current = []
                size = 0
            }
            current.append(item)
            size += cost
        }
        if !current.isEmpty { messages.append(.items(current)) }
        return messages
    }
}
