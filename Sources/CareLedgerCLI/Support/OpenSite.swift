import LedgerCore
import Logging

/// Opens the site in `options.directory`, mapping failures to the contract's exit codes.
///
/// - Parameter forVerify: open as `verify` does: a site whose storage structure is damaged
///   opens read-only, so its damage is reported as faults (exit 1) rather than refused (exit 3).
func openSite(_ options: SiteOptions, forVerify: Bool = false) throws -> SiteLedger {
    do {
        // Recovery notes reach the user through `verify` and `status`, not as extra stderr lines.
        var logger = Logger(label: "careledger")
        logger.logLevel = .error
        return forVerify
            ? try SiteLedger.openForVerify(at: options.directory, logger: logger)
            : try SiteLedger.open(at: options.directory, logger: logger)
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
