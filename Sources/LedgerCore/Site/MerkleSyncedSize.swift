import LedgerPrimitives

/// How many leaves of the Merkle store were made durable by its last `sync`: the store's
/// high-water mark (`merkle/synced`, Specs/site-layout.md §2).
///
/// The store is derived from the log and buffered, so a crash can leave torn, unsynced node
/// writes of the right length that nothing else would notice. Everything past this mark is
/// recomputed from the log when the site opens for writing; everything before it was fsynced
/// before the mark was written.
struct MerkleSyncedSize {
    /// The file: 8 bytes, the leaf count, big-endian, replaced atomically.
    static func path(_ layout: SiteLayout) -> String { layout.merkle + "/synced" }

    /// The mark, or nil when there is none (a site made before the mark existed) or it does
    /// not read as one: then no stored node is known durable.
    static func read(_ layout: SiteLayout, files: FileIO) -> UInt64? {
        guard let bytes = try? files.contents(of: path(layout), limit: 64), bytes.count == 8 else { return nil }
        var cursor = ByteCursor<[UInt8], ByteCursorFault>(bytes, byteOrder: .bigEndian)
        return try? cursor.u64("synced")
    }

    /// Records `size` durably; call only after the store's `sync` returned.
    static func write(_ size: UInt64, _ layout: SiteLayout, files: FileIO) throws {
        var writer = ByteWriter(.bigEndian)
        writer.u64(size)
        try files.writeAtomically(writer.bytes, to: path(layout), permissions: 0o600)
    }
}
