import Foundation
import LedgerCore
import LedgerSite

extension CLIFailure {
    /// Maps an error from any layer to the contract's exit code and a one-line message.
    static func classify(_ error: any Error) -> CLIFailure {
        if let failure = error as? CLIFailure { return failure }
        if let site = error as? SiteError { return .from(site) }
        if let core = error as? CoreError { return .from(core) }
        if let decoding = error as? DecodingError { return .usage("malformed input: \(describe(decoding))") }
        return .usage(String(describing: error))
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }
}
