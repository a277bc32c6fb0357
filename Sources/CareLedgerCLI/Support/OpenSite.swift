import LedgerCore
import LedgerSite
import Logging

/// How a command opens its site (Specs/site-layout.md §8).
enum SiteAccessMode {
    /// Reads, and writes at most now and then (`check`'s break-glass audit entry): a
    /// lock-free snapshot; a write finds the running server or the lock when it comes.
    case read
    /// Appends its own entries: the lock, or the running server's control socket.
    case write
    /// Ingests others' entries or keeps the ledger (`serve`, `sync`, `bundle import`): the lock only.
    case exclusive
}

/// Opens the site in `options.directory`, mapping failures to the contract's exit codes.
///
/// - Parameter access: how the command uses the site (default: the writer lock only, as every
///   command opened its site before snapshots; name it explicitly in every command).
/// - Parameter wait: how long a writer waits for another writer's lock.
/// - Parameter forVerify: open as `verify` does: a site whose storage structure is damaged
///   opens read-only, so its damage is reported as faults (exit 1) rather than refused (exit 3);
///   a site another process writes is verified as a snapshot.
func openSite(_ options: SiteOptions, access: SiteAccessMode = .exclusive, wait: Duration = .seconds(WaitOption.defaultSeconds),
              forVerify: Bool = false) throws -> SiteLedger {
    do {
        // Recovery notes reach the user through `verify` and `status`, not as extra stderr lines.
        var logger = Logger(label: "careledger")
        logger.logLevel = .error
        if forVerify { return try SiteLedger.openForVerify(at: options.directory, logger: logger) }
        switch access {
        case .read: return try SiteAccess.openForReading(at: options.directory, wait: wait, logger: logger)
        case .write: return try SiteAccess.openForWriting(at: options.directory, wait: wait, logger: logger)
        case .exclusive: return try SiteAccess.openExclusive(at: options.directory, wait: wait, logger: logger)
        }
    } catch let error as CoreError {
        throw CLIFailure.from(error)
    }
}

extension CLIFailure {
    /// The exit code class of a ledger-layer error.
    static func from(_ error: CoreError) -> CLIFailure {
        let message = error.description
        switch error.code {
        case .locked, .notASite, .malformedFile, .unsupportedVersion, .insecurePermissions, .io, .noSpace, .damaged:
            return CLIFailure(kind: .unusableSite, message: message, code: error.code.name)
        case .badSignature, .wrongNetwork, .proofInvalid:
            return CLIFailure(kind: .checkFailed, message: message, code: error.code.name)
        default:
            return CLIFailure(kind: .usage, message: message, code: error.code.name)
        }
    }
}
