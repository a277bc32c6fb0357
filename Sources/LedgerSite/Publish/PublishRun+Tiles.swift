import LedgerCore

extension PublishRun {
    /// Writes every bundle and tile from the start's level-0 tile on, and the partial tiles
    /// of `size` (Specs/static-log.md §5, steps 2–3).
    /// - Throws: `RootMismatch` when the tiles do not hash to `root` (nothing is published),
    ///   `SiteError` `.entryTooLargeForTiles`, `.cannotWrite`.
    mutating func writeTiles(from start: PublishStart, size: UInt64, root: Hash32) throws {
        var builder = TileBuilder(size: start.size, upperPartials: Array(start.partials.dropFirst()))
        completed = builder.startTiles
        let first = builder.firstLeaf
        received.removeAll()
        progress?(.begin(total: Int((size - first + 255) / 256)))
        try ledger.forEachEntry(from: Int(first)) { ordinal, entry in
            guard UInt64(ordinal) < size else { return }
            let bytes = entry.encoded
            if entry.kind == WitnessCosignaturePayload.kind { received.append((entry.author, entry.payload)) }
            guard bytes.count <= EntryBundle.maximumEntryBytes else {
                throw SiteError(.entryTooLargeForTiles, "entry \(entry.id.hex) (leaf \(ordinal)) is \(bytes.count) bytes; an entry bundle holds entries of at most \(EntryBundle.maximumEntryBytes) bytes (Specs/static-log.md §2.3): nothing was published")
            }
            let outputs = builder.add(bytes)
            guard !outputs.isEmpty else { return }
            try write(outputs)
            progress?(.advance(units: 1, items: TileCoordinates.fullWidth))
        }
        let (partials, builtRoot) = builder.finish()
        guard builder.size == size, builtRoot == root else { throw RootMismatch() }
        try write(partials)
    }

    private mutating func write(_ outputs: [TileBuilder.Output]) throws {
        for output in outputs {
            let before = folder.filesWritten
            try folder.write(output.bytes, to: output.tile.path)
            if output.tile.isEntryBundle { bundlesWritten += folder.filesWritten - before } else { tilesWritten += folder.filesWritten - before }
        }
    }
}
