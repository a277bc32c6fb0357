import Foundation
import LedgerCore
import LedgerStorage

/// The spool of one log's catch-up (Specs/static-log.md §11.4): every bundle whose transfer
/// ended is kept here from then until its batch is recorded as ingested, so a run that is
/// stopped at any point never fetches it again.
///
/// Invariants:
/// - A name `<index>-<width>` in the folder holds a whole bundle that hashed to the level-0
///   tile served with it: it is written as `<name>.tmp`, fsynced, then renamed (a kill leaves
///   the whole file or a `.tmp`, never a short `<name>`).
/// - A rename survives a kill at once and a power cut once a later `syncFolder()` returns: the
///   folder's fsync is batched (one per ingested batch, covering every rename before it).
/// - A spooled bundle is never trusted: a run checks it against the tiles before use, and one
///   that does not check is moved to `<log id>.damaged/` (never read again) and fetched anew.
///
/// Written from the download threads (one file per bundle: no two threads touch one name);
/// the journal's appends are serialised by `journalLock`.
final class BundleSpool: @unchecked Sendable {  // the only shared mutable state, the journal file, is appended under `journalLock`
    /// `mirror/<log id>.spool`.
    let folder: String
    /// `mirror/<log id>.damaged`: spooled bundles that did not check, kept for a person to look at.
    let damagedFolder: String
    /// `mirror/<log id>.downloads`: one line `<index> <width>` per bundle spooled from the source.
    let journalPath: String
    private let fileSystem: any FileSystem
    private let journalLock = NSLock()

    init(folder: String, damagedFolder: String, journalPath: String, fileSystem: any FileSystem) {
        self.folder = folder
        self.damagedFolder = damagedFolder
        self.journalPath = journalPath
        self.fileSystem = fileSystem
    }

    /// The spool file of `bundle`.
    func path(_ bundle: TileCoordinates) -> String { folder + "/" + Self.name(bundle) }

    /// A bundle's name in the spool: `<index>-<width>`.
    static func name(_ bundle: TileCoordinates) -> String { "\(bundle.index)-\(bundle.width)" }

    /// The spooled bytes of `bundle`; nil when it is not spooled (or cannot be read: it is then fetched).
    func read(_ bundle: TileCoordinates) -> [UInt8]? {
        try? fileSystem.contents(of: path(bundle), limit: StaticLogSources.maximumFileBytes)
    }

    /// Spools a bundle whose transfer ended: written beside, fsynced, renamed, then noted in
    /// the journal. The folder is not fsynced here (`syncFolder()`, batched by the caller).
    /// - Throws: `SiteError` `.cannotWrite`.
    func write(_ bundle: TileCoordinates, _ encoded: [UInt8]) throws {
        let target = path(bundle)
        let temporary = target + ".tmp"
        try storage(target) {
            let file = try fileSystem.open(temporary, mode: .createTruncate)
            do {
                try fileSystem.writeAll(file, encoded, at: 0)
                try fileSystem.sync(file)
            } catch {
                fileSystem.close(file)
                throw error
            }
            fileSystem.close(file)
            try fileSystem.rename(temporary, to: target)
        }
        journalLock.lock(); defer { journalLock.unlock() }
        // The journal is a count for people and tests, not state: a line lost in a kill is only a line.
        if let journal = try? fileSystem.open(journalPath, mode: .readWriteCreate) {
            defer { fileSystem.close(journal) }
            if let end = try? fileSystem.size(journal) {
                try? fileSystem.writeAll(journal, Array("\(bundle.index) \(bundle.width)\n".utf8), at: end)
            }
        }
    }

    /// Makes every rename done so far durable (one fsync of the spool folder).
    /// - Throws: `SiteError` `.cannotWrite`.
    func syncFolder() throws {
        try storage(folder) { try fileSystem.syncDirectory(folder) }
    }

    /// Moves a spooled bundle that does not check out of the spool (replacing an older copy
    /// of the same name in `damagedFolder`), so it is never read again; best effort: when the
    /// move fails, the file is removed.
    func setAside(_ bundle: TileCoordinates) {
        let source = path(bundle)
        guard fileSystem.exists(source) else { return }
        do {
            if !fileSystem.exists(damagedFolder) { try DurableFile.makeDirectory(damagedFolder, fileSystem: fileSystem) }
            try fileSystem.rename(source, to: damagedFolder + "/" + Self.name(bundle))
            try fileSystem.syncDirectory(damagedFolder)
            try fileSystem.syncDirectory(folder)
        } catch {
            try? fileSystem.remove(source)
        }
    }

    /// Removes ingested bundles (best effort: a leftover is pruned by the next run).
    func remove(_ bundles: [TileCoordinates]) {
        for bundle in bundles { try? fileSystem.remove(path(bundle)) }
    }

    /// Removes what this catch-up does not need: bundles ingested already, a partial bundle
    /// of an older checkpoint, a `.tmp` a kill left. Best effort.
    func prune(keeping bundles: [TileCoordinates]) {
        let wanted = Set(bundles.map(Self.name))
        for name in ((try? fileSystem.listDirectory(folder)) ?? []) where !wanted.contains(name) {
            try? fileSystem.remove(folder + "/" + name)
        }
    }

    private func storage(_ path: String, _ body: () throws -> Void) throws {
        do { try body() } catch let error as StorageError {
            throw SiteError(.cannotWrite, "cannot write \(path): \(error.message)", path: path, underlying: CoreError(fileError: error))
        }
    }
}
