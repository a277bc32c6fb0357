import ArgumentParser
import Foundation

/// A failure the CLI reports as one line on stderr with the exit code of `shared/CLI.md`
/// (and, with `--json`, as the error object of ``CLIFailure/jsonLine`` on stdout).
///
/// Exit codes: 1 the check or verification asked for failed; 2 usage error (bad flag,
/// missing file, malformed input); 3 the site's data or the output medium cannot be used
/// (locked, unreadable, full); 4-7 `sync --peer` outcomes; 8 `serve` cannot listen.
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
        /// `serve`: the listen address cannot be bound (in use, not permitted, not on this host).
        case listenFailed = 8

        /// The stable name of the class, the JSON error's `code` when nothing more specific is known.
        var name: String {
            switch self {
            case .checkFailed: "check_failed"
            case .usage: "usage"
            case .unusableSite: "unusable_site"
            case .syncRefused: "sync_refused"
            case .syncTimedOut: "sync_timed_out"
            case .syncProtocolError: "sync_protocol_error"
            case .syncConnection: "sync_connection"
            case .listenFailed: "listen_failed"
            }
        }
    }

    let kind: Kind
    let message: String
    /// The stable code of the library error behind this failure (`no_space`, `server_busy`,
    /// …), when there is one; else the kind's name is used.
    var code: String?

    init(kind: Kind, message: String, code: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    var description: String { message }

    static func usage(_ message: String) -> CLIFailure { CLIFailure(kind: .usage, message: message) }
    static func checkFailed(_ message: String) -> CLIFailure { CLIFailure(kind: .checkFailed, message: message) }
    static func unusableSite(_ message: String) -> CLIFailure { CLIFailure(kind: .unusableSite, message: message) }

    /// The error object a `--json` command prints on stdout when it fails, one line:
    /// `{"error":{"code":"no_space","exit":3,"message":"…"}}` (README, "Exit codes").
    var jsonLine: String {
        struct Body: Encodable { let code: String, message: String, exit: Int32 }
        struct Wrapper: Encodable { let error: Body }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let wrapper = Wrapper(error: Body(code: code ?? kind.name, message: message, exit: kind.rawValue))
        let data = (try? encoder.encode(wrapper)) ?? Data("{\"error\":{\"code\":\"\(kind.name)\",\"exit\":\(kind.rawValue)}}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reports the failure: one `error:` line on stderr and, with `json`, the error object on
    /// stdout (so a script reading stdout always gets one JSON object). Returns the exit code.
    func report(json: Bool) -> ExitCode {
        printError("error: \(message)")
        if json { try? FileHandle.standardOutput.write(contentsOf: Data((jsonLine + "\n").utf8)) }
        return ExitCode(kind.rawValue)
    }
}

/// Runs a command body, turning any failure into one stderr line and the contract's exit
/// code; with `json` (the command's `--json`), also the error object on stdout.
///
/// An `ExitCode` thrown by the body passes through: the body has printed its result already
/// (a failed `verify`, a rejected bundle).
func runReportingFailures(json: Bool, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw CLIFailure.classify(error).report(json: json)
    }
}
