import ArgumentParser

/// The `careledger` command: the root of every subcommand in `shared/CLI.md`.
public struct CareLedgerCommand: AsyncParsableCommand {
    /// The subcommands and help text.
    public static let configuration = CommandConfiguration(
        commandName: "careledger",
        abstract: "An offline-first, tamper-evident ledger and sync engine for healthcare sites.",
        version: "0.1.0",
        subcommands: [
            NetworkCommand.self, InitCommand.self, IdentityCommand.self, MembersCommand.self, DisputeCommand.self,
            AppendCommand.self, AnchorCommand.self, AttestCommand.self, LogCommand.self, StatsCommand.self,
            VerifyCommand.self, ReindexCommand.self, HeadCommand.self, ProofCommand.self,
            ConsentCommand.self, CheckCommand.self, ConflictsCommand.self,
            BundleCommand.self, SyncCommand.self, ServeCommand.self, APITokenCommand.self,
            StatusCommand.self, ReportCommand.self, DemoCommand.self, TrialCommand.self,
            PublishCommand.self, WitnessCommand.self,
        ]
    )

    /// Creates the command (ArgumentParser needs an empty initializer).
    public init() {}
}

extension CareLedgerCommand {
    /// Reports a command line that does not parse (an unknown flag, a missing option, a
    /// numeric value out of range): one `error:` line on stderr and, when `--json` was
    /// given, the JSON error object on stdout, as any failing `--json` command does.
    /// - Parameters:
    ///   - message: the parser's message, first line only.
    ///   - arguments: the command line's arguments (without the program name).
    /// - Returns: the exit status, 2 (usage error).
    public static func reportUsageError(_ message: String, arguments: [String]) -> Int32 {
        let failure = CLIFailure.usage("\(message) (see --help)")
        return failure.report(json: arguments.contains("--json")).rawValue
    }
}
