import Foundation
import LedgerCore
import LedgerSync

/// The outcome of importing several bundle files (`bundle import`, the import half of a
/// folder pass).
public struct BundleImportOutcome: Encodable, Sendable {
    /// A bundle file that changed nothing, and why.
    public struct Rejected: Encodable, Sendable {
        /// The file as given.
        public let file: String
        /// The stable code of the error that rejected it (`unreadable` for a file that cannot be read).
        public let code: String
        /// One line for people.
        public let why: String
    }
    /// Entries stored (including released from quarantine).
    public var imported = 0
    /// Entries this site held already.
    public var alreadyHad = 0
    /// Entries held in quarantine (Specs/charter.md §4).
    public var quarantined = 0
    /// Quarantined entries released by what arrived.
    public var released = 0
    /// Forks detected.
    public var forks = 0
    /// Bundles imported.
    public var bundles = 0
    /// Bundles rejected, each having changed nothing.
    public var rejected: [Rejected] = []
    /// Derived files that could not be written after a bundle's entries were committed.
    public var warnings: [String] = []
    /// One line per rollback or fork of a sender's signed tree head found (kept as evidence;
    /// the bundles were still imported, Specs/bundle-format.md §5.1).
    public var treeHeadEvidence: [String] = []
    /// This site's own entries the bundles brought back (it was restored from a backup).
    public var recoveredOwn = 0
}

/// Imports bundle files one by one; each is all or nothing.
public enum BundleImporter {
    /// Imports `files` into `ledger`, each file atomically; a rejected file is listed in the
    /// outcome and changes nothing, and the others are still imported.
    ///
    /// Entries stored with a derived file missing are a success with a warning in
    /// ``BundleImportOutcome/warnings``.
    /// - Parameter progress: `.begin(total:)` with the number of files, then per file a
    ///   `.describe` (its name) and an `.advance` (1 bundle, its entries), then `.end`.
    /// - Throws: ``SiteError`` `.unusableSite` when the site itself fails (locked, no space,
    ///   I/O): the import stops there.
    public static func importFiles(_ files: [String], into ledger: SiteLedger,
                                   progress: SiteProgressHandler? = nil) throws -> BundleImportOutcome {
        var outcome = BundleImportOutcome()
        progress?(.begin(total: files.count))
        defer { progress?(.end) }
        // One id set for the whole call, grown as bundles land: not a log scan per bundle.
        var set = try ledger.reconcilableSet()
        for file in files {
            var entries = 0
            progress?(.describe(file.split(separator: "/").last.map(String.init) ?? file))
            defer { progress?(.advance(units: 1, items: entries)) }
            do {
                // Read through the site's file system a range at a time: a huge or foreign
                // file is rejected from its length or first bytes (Specs/bundle-format.md §7).
                let imported = try ledger.importBundle(file: file, set: &set)
                let (result, report) = (imported.result, imported.report)
                outcome.warnings += imported.warnings
                entries = report.imported + report.alreadyHad + report.quarantined + result.alreadyHad
                outcome.bundles += 1
                outcome.imported += report.imported + report.released
                outcome.alreadyHad += report.alreadyHad + result.alreadyHad
                outcome.quarantined += report.quarantined
                outcome.released += report.released
                outcome.forks += report.forks.count
                outcome.recoveredOwn += imported.recoveredOwn
                if let evidence = imported.evidence { outcome.treeHeadEvidence.append(evidence.line) }
            } catch let error as SyncError where error.code == .unreadableBundle {
                outcome.rejected.append(.init(file: file, code: "unreadable", why: error.description))
            } catch let error as SyncError {
                // A full or failing disk while storing is the site's fault, not the bundle's (exit 3).
                if let cause = error.underlying as? CoreError, cause.code == .noSpace || cause.code == .io {
                    throw SiteError(.unusableSite, "\(file): storing its entries failed: \(cause.message)" + (cause.file.map { " (\($0))" } ?? ""),
                                    path: file, underlying: cause)
                }
                outcome.rejected.append(.init(file: file, code: "\(error.code)", why: error.description))
            } catch let error as CoreError {
                if error.code == .locked || error.code == .noSpace || error.code == .io {
                    throw SiteError(.unusableSite, error.description, path: file, underlying: error)
                }
                outcome.rejected.append(.init(file: file, code: error.code.description, why: error.description))
            }
        }
        return outcome
    }
}
