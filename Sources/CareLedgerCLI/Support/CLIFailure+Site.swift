import LedgerConsent
import LedgerCore
import LedgerSite

extension CLIFailure {
    /// The exit code class of a site-layer error: a site that cannot be used is 3, and so is
    /// an output file that cannot be written because the disk or stick is full or failing
    /// (the medium is unusable; the message keeps the OS reason, e.g. "No space left on
    /// device"); anything else the caller asked for is a usage error (2).
    static func from(_ error: SiteError) -> CLIFailure {
        if error.code == .unusableSite {
            return CLIFailure(kind: .unusableSite, message: error.message, code: (error.underlying as? CoreError)?.code.name ?? error.code.name)
        }
        if error.code == .cannotWrite, let cause = error.underlying as? CoreError, cause.code == .noSpace || cause.code == .io {
            return CLIFailure(kind: .unusableSite, message: error.message, code: cause.code.name)
        }
        return CLIFailure(kind: .usage, message: error.message, code: error.code.name)
    }

    /// A consent-layer error as a usage failure naming the JSON path at fault.
    static func from(_ error: ConsentError, file: String? = nil) -> CLIFailure {
        let prefix = file.map { "\($0): " } ?? ""
        return .usage(prefix + error.description)
    }
}
