import ArgumentParser

/// A failure the CLI reports as one line on stderr with the exit code of `shared/CLI.md`.
///
/// Exit codes: 1 the check or verification asked for failed; 2 usage error (bad flag,
/// missing file, malformed input); 3 the site's data cannot be used (locked, unreadable).
struct CLIFailure: Error, CustomStringConvertible {
    /// The outcome class, which decides the exit code.
    enum Kind: Int32 {
        case checkFailed = 1
        case usage = 2
        case unusableSite = 3
        /// `sync --peer`: the peer refused this site, or this site refused the peer, or the server is busy.
        case syncRefused = 4
        /// `sync --peer`: an idle or total-exchange timeout fired.
        case syncTimedOut = 5
        /// `sync --peer`: the peer broke the framing, handshake or session rules.
        case syncProtocolError = 6
        /// `sync --peer`: the connection could not be made or dropped.
        case syncConnection = 7
    }

    let kind: Kind
    let message: String

    var description: String { message }

    static func usage(_ message: String) -> CLIFailure { CLIFailure(kind: .usage, message: message) }
    static func checkFailed(_ message: String) -> CLIFailure { CLIFailure(kind: .checkFailed, message: message) }
    static func unusableSite(_ message: String) -> CLIFailure { CLIFailure(kind: .unusableSite, message: message) }
}

/// Runs a command body, turning any failure into one stderr line and the contract's exit code.
func runReportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CLIFailure {
        printError("error: \(failure.message)")
        throw ExitCode(failure.kind.rawValue)
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let failure = CLIFailure.classify(error)
        printError("error: \(failure.message)")
        throw ExitCode(failure.kind.rawValue)
    }
}
