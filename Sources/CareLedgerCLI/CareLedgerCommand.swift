import ArgumentParser

/// The `careledger` command: the root of every subcommand in `shared/CLI.md`.
public struct CareLedgerCommand: AsyncParsableCommand {
    /// The subcommands and help text.
    public static let configuration = CommandConfiguration(
        commandName: "careledger",
        abstract: "An offline-first, tamper-evident ledger and sync engine for healthcare sites.",
        version: "0.1.0",
        subcommands: [
            NetworkCommand.self, InitCommand.self, IdentityCommand.self, MembersCommand.self,
            AppendCommand.self, AnchorCommand.self, AttestCommand.self, LogCommand.self, StatsCommand.self,
            VerifyCommand.self, HeadCommand.self, ProofCommand.self,
            ConsentCommand.self, CheckCommand.self, ConflictsCommand.self,
            BundleCommand.self, SyncCommand.self, ServeCommand.self,
            StatusCommand.self, ReportCommand.self, DemoCommand.self,
        ]
    )

    /// Creates the command (ArgumentParser needs an empty initializer).
    public init() {}
}
