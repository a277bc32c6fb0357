import Foundation
import LedgerCore
import LedgerStorage

/// How far a site has caught up from one static log (Specs/static-log.md §11.4):
/// `mirror/<log id>.progress` in the site's folder, one JSON object, replaced atomically
/// (written beside, fsynced, renamed, folder fsynced) after each ingested batch.
public struct MirrorProgress: Codable, Sendable, Equatable {
    /// The layout's version.
    public static let formatVersion = 1

    /// `formatVersion`.
    public var format: Int
    /// The log's verifier key (origin, key ID, public key).
    public var logKey: String
    /// The last checkpoint accepted from the log, as received: every later one must be consistent with it.
    public var checkpoint: String
    /// Its tree size.
    public var treeSize: UInt64
    /// Its root, hex.
    public var rootHash: String
    /// Leaves `[0, ingestedSize)` of the log are ingested: a multiple of 256, or `treeSize`.
    public var ingestedSize: UInt64
    /// Bundles fetched from the log so far (all runs; a spooled bundle counts once).
    public var bundlesDownloaded: Int
    /// Bytes fetched so far (tiles and bundles, all runs, as of the last record).
    public var bytesDownloaded: Int
    /// Entries passed to ingest so far (all runs).
    public var entriesIngested: Int
}

/// The mirror folder of a site: progress records, the spool of fetched bundles not yet
/// ingested, and the download journal (Specs/static-log.md §11.4).
struct MirrorFolder {
    let ledger: SiteLedger
    /// The log's id: the first 16 bytes, hex, of SHA-256 of its verifier key.
    let logID: String

    init(_ ledger: SiteLedger, key: NoteVerifierKey) {
        self.ledger = ledger
        logID = String(Hash32.sha256(Array(key.verifierKey.utf8)).hex.prefix(32))
    }

    var root: String { ledger.layout.root + "/mirror" }
    var progressPath: String { root + "/\(logID).progress" }
    var journalPath: String { root + "/\(logID).downloads" }
    var spool: String { root + "/\(logID).spool" }
    func spoolPath(_ bundle: TileCoordinates) -> String { spool + "/\(bundle.index)-\(bundle.width)" }

    /// The progress record, nil when there is none.
    /// - Throws: `SiteError` `.unusableSite` when the file is there but does not decode.
    func progress() throws -> MirrorProgress? {
        guard let bytes = try ledger.files.contents(of: progressPath, limit: 1 << 20) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let record = try? decoder.decode(MirrorProgress.self, from: Data(bytes)), record.format == MirrorProgress.formatVersion else {
            throw SiteError(.unusableSite, "\(progressPath) is damaged; restore it from a backup (deleting it forgets the last checkpoint accepted from the log)", path: progressPath)
        }
        return record
    }

    /// Replaces the progress record durably.
    func save(_ record: MirrorProgress) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try ledger.files.makeDirectory(root)
        try ledger.files.writeAtomically(Array(try encoder.encode(record)) + [0x0a], to: progressPath)
    }

    /// A spooled bundle's bytes, nil when not spooled.
    func spooled(_ bundle: TileCoordinates) -> [UInt8]? {
        try? ledger.files.contents(of: spoolPath(bundle), limit: StaticLogSources.maximumFileBytes)
    }

    /// Keeps a fetched bundle until it is ingested (written beside and renamed: whole or
    /// absent after a kill; not fsynced: after a power cut it is fetched again), then notes
    /// the download in the journal, one line `<index> <width>`.
    func spool(_ fetched: MirrorBundle) throws {
        let fileSystem = ledger.files.fileSystem
        let target = spoolPath(fetched.bundle)
        let temporary = target + ".tmp"
        try storage(target) {
            if !fileSystem.exists(spool) { try ledger.files.makeDirectory(spool) }
            let file = try fileSystem.open(temporary, mode: .createTruncate)
            defer { fileSystem.close(file) }
            try fileSystem.writeAll(file, fetched.encoded, at: 0)
            try fileSystem.rename(temporary, to: target)
            let journal = try fileSystem.open(journalPath, mode: .readWriteCreate)
            defer { fileSystem.close(journal) }
            try fileSystem.writeAll(journal, Array("\(fetched.bundle.index) \(fetched.bundle.width)\n".utf8), at: try fileSystem.size(journal))
        }
    }

    /// Removes ingested bundles from the spool (best effort: a leftover is read, checked and
    /// found already held next time).
    func unspool(_ bundles: [TileCoordinates]) {
        for bundle in bundles { try? ledger.files.fileSystem.remove(spoolPath(bundle)) }
    }

    /// Removes spooled files this catch-up does not need: bundles ingested already, and partial
    /// bundles of an older checkpoint (a kill can leave either). Best effort.
    func pruneSpool(keeping bundles: [TileCoordinates]) {
        let wanted = Set(bundles.map { "\($0.index)-\($0.width)" })
        for name in ledger.files.names(in: spool) where !wanted.contains(name) {
            try? ledger.files.fileSystem.remove(spool + "/" + name)
        }
    }

    /// The journal's lines: every bundle fetched from the log, in order of download.
    func journal() -> [(index: UInt64, width: Int)] {
        guard let bytes = try? ledger.files.contents(of: journalPath, limit: 1 << 30) else { return [] }
        return bytes.split(separator: 0x0a).compactMap { line in
            let parts = String(decoding: line, as: UTF8.self).split(separator: " ")
            guard parts.count == 2, let index = UInt64(parts[0]), let width = Int(parts[1]) else { return nil }
            return (index, width)
        }
    }

    private func storage(_ path: String, _ body: () throws -> Void) throws {
        do { try body() } catch let error as StorageError {
            throw SiteError(.cannotWrite, "cannot write \(path): \(error.message)", path: path, underlying: CoreError(fileError: error))
        }
    }
}
