import LedgerPrimitives

/// One record of `quarantine.dropped` (Specs/site-layout.md §4.1): entries of `author` at
/// quarantine ordinals `from..<to` are dropped (invisible from now on), and `count` entries
/// of that author were dropped or refused on arrival by the decision the record holds.
struct QuarantineDrop: Equatable {
    var author: Hash32
    var from: UInt64
    var to: UInt64
    var count: UInt64

    /// Bytes per record: author 32, from 8, to 8, count 8, check 8 (all big-endian).
    static let size = 64

    /// The record's bytes: the fields, then the first 8 bytes of SHA-256 over them.
    var encoded: [UInt8] {
        var writer = ByteWriter(.bigEndian)
        writer.raw(author.bytes)
        writer.u64(from)
        writer.u64(to)
        writer.u64(count)
        writer.raw(Hash32.sha256(writer.bytes).bytes.prefix(8))
        return writer.bytes
    }

    /// Decodes one record; nil when its check does not match (a torn or damaged write).
    static func decode(_ bytes: ArraySlice<UInt8>) -> QuarantineDrop? {
        guard bytes.count == size, let author = Hash32(bytes: bytes.prefix(32)) else { return nil }
        let fields = Array(bytes.prefix(56))
        guard Hash32.sha256(fields).bytes.prefix(8).elementsEqual(bytes.suffix(8)) else { return nil }
        var cursor = ByteCursor<[UInt8], ByteCursorFault>(Array(fields.dropFirst(32)), byteOrder: .bigEndian)
        guard let from = try? cursor.u64("from"), let to = try? cursor.u64("to"), let count = try? cursor.u64("count") else { return nil }
        return QuarantineDrop(author: author, from: from, to: to, count: count)
    }
}

/// The append-only file of quarantine drops: fixed-size records written with one
/// positioned write and fsync each batch (Specs/site-layout.md §4.1).
///
/// A partial last record (a crash mid-write) is cut on open; a whole record whose check
/// fails is skipped (its drop is not applied, so the entries it names stay visible; the
/// next quota check drops them again).
enum QuarantineDropFile {
    /// What the file holds: the records that check, and how many whole records it has.
    struct Contents {
        var drops: [QuarantineDrop] = []
        var records = 0
    }

    /// Reads the file (nothing when it does not exist).
    /// - Parameter repair: cut a partial last record (false: leave the file untouched).
    static func readAll(from path: String, repair: Bool, files: FileIO) throws -> Contents {
        guard let bytes = try files.contents(of: path, limit: 1 << 30) else { return Contents() }
        let whole = bytes.count - bytes.count % QuarantineDrop.size
        if whole < bytes.count && repair { try files.truncate(path, to: whole) }
        var contents = Contents(records: whole / QuarantineDrop.size)
        var offset = 0
        while offset < whole {
            if let drop = QuarantineDrop.decode(bytes[offset..<offset + QuarantineDrop.size]) { contents.drops.append(drop) }
            offset += QuarantineDrop.size
        }
        return contents
    }

    /// Writes `drops` as records from number `index` on and makes them durable.
    static func write(_ drops: [QuarantineDrop], asRecord index: Int, to path: String, files: FileIO) throws {
        try files.writeRecord(drops.flatMap(\.encoded), to: path, at: index * QuarantineDrop.size)
    }
}
