import LedgerConsent
import LedgerSite

extension CLIFailure {
    /// The exit code class of a site-layer error: a site that cannot be used is 3, anything
    /// else the caller asked for is a usage error (2).
    static func from(_ error: SiteError) -> CLIFailure {
        error.code == .unusableSite ? .unusableSite(error.message) : .usage(error.message)
    }

    /// A consent-layer error as a usage failure naming the JSON path at fault.
    static func from(_ error: ConsentError, file: String? = nil) -> CLIFailure {
        let prefix = file.map { "\($0): " } ?? ""
        return .usage(prefix + error.description)
    }
}
