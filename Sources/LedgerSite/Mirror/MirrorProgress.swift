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

    /// The spool of fetched bundles not yet ingested, and the journal of downloads.
    var spool: BundleSpool {
        BundleSpool(folder: root + "/\(logID).spool", damagedFolder: root + "/\(logID).damaged", journalPath: journalPath,
                    fileSystem: ledger.files.fileSystem)
    }

    /// Creates the mirror folder and its spool (durably).
    /// - Throws: `CoreError` `.io`, `.noSpace`.
    func makeSpool() throws {
        try ledger.files.makeDirectory(spool.folder)
    }

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

    /// The journal's lines: every bundle fetched from the log, in order of download.
    func journal() -> [(index: UInt64, width: Int)] {
        guard let bytes = try? ledger.files.contents(of: journalPath, limit: 1 << 30) else { return [] }
        return bytes.split(separator: 0x0a).compactMap { line in
            let parts = String(decoding: line, as: UTF8.self).split(separator: " ")
            guard parts.count == 2, let index = UInt64(parts[0]), let width = Int(parts[1]) else { return nil }
            return (index, width)
        }
    }
}
