import LedgerCore
import LedgerIndex
import Logging

/// How a program opens a site so that it can work beside a running `serve` or another
/// command (Specs/site-layout.md §8): readers take a snapshot and never the writer lock;
/// writers take the lock, or go through the running server.
public enum SiteAccess {
    /// Opens the site for a command that only reads, or writes only now and then (`check`,
    /// which records break-glass decisions).
    ///
    /// A lock-free snapshot up to the last signed tree head, with a writer attached that is
    /// found at the first write: the running server's control socket, or the folder's lock,
    /// waited for up to `wait`.
    public static func openForReading(at directory: String, wait: Duration, logger: Logger) throws -> SiteLedger {
        let snapshot = try SiteLedger.openSnapshot(at: directory, logger: logger, derivedState: SiteIndex.opener)
        snapshot.attach(writer: DeferredWriter(directory: directory, wait: wait, logger: logger))
        return snapshot
    }

    /// Opens the site for a command that appends its own entries (`append`, `consent
    /// import`, `members admit`, `anchor`, `check --record`).
    ///
    /// With the folder free: a ledger holding the lock, as ``SiteLedger/open(at:logger:lockTimeout:fileSystem:)``.
    /// Held by a `serve` that listens on its control socket: a snapshot whose appends that
    /// server makes. Held by another command: the lock, waited for up to `wait`.
    /// - Throws: `CoreError` `.locked` naming the holder when the wait runs out.
    public static func openForWriting(at directory: String, wait: Duration, logger: Logger) throws -> SiteLedger {
        do {
            return try SiteLedger.open(at: directory, logger: logger, lockTimeout: .zero, derivedState: SiteIndex.opener)
        } catch let error as CoreError where error.code == .locked {
            if let server = ControlClient.connect(to: SiteLayout(root: directory)) {
                let snapshot = try SiteLedger.openSnapshot(at: directory, logger: logger, derivedState: SiteIndex.opener)
                snapshot.attach(writer: server)
                return snapshot
            }
            return try SiteLedger.open(at: directory, logger: logger, lockTimeout: wait, derivedState: SiteIndex.opener)
        }
    }

    /// Opens the site with its writer lock only, waiting up to `wait`: for commands that
    /// ingest others' entries or keep the ledger for a long time (`serve`, `sync`, `bundle import`).
    public static func openExclusive(at directory: String, wait: Duration, logger: Logger) throws -> SiteLedger {
        try SiteLedger.open(at: directory, logger: logger, lockTimeout: wait, derivedState: SiteIndex.opener)
    }
}

/// The writer of a snapshot opened for reading: found when the first write comes.
final class DeferredWriter: SiteWriter {
    private let directory: String
    private let wait: Duration
    private let logger: Logger
    private var writer: (any SiteWriter)?

    init(directory: String, wait: Duration, logger: Logger) {
        self.directory = directory; self.wait = wait; self.logger = logger
    }

    func appendEntries(kind: String, payloads: [[UInt8]]) throws -> [Entry] {
        if writer == nil {
            // A live control socket means a server holds the lock: no second snapshot needed.
            writer = try ControlClient.connect(to: SiteLayout(root: directory))
                ?? SiteLedger.open(at: directory, logger: logger, lockTimeout: wait, derivedState: SiteIndex.opener)
        }
        guard let writer else { return [] }
        return try writer.appendEntries(kind: kind, payloads: payloads)
    }
}
