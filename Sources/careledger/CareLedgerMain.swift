import ArgumentParser
import CareLedgerCLI
import Foundation

/// The `careledger` executable: parses the command line and runs the chosen subcommand.
///
/// Usage errors (an unknown flag, a missing option) exit 2 with one line on stderr, as
/// `shared/CLI.md` requires, instead of ArgumentParser's default 64 and usage block.
@main
enum CareLedgerMain {
    static func main() async {
        do {
            var command = try CareLedgerCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if CareLedgerCommand.exitCode(for: error) == .validationFailure {
                let message = CareLedgerCommand.message(for: error)
                    .split(separator: "\n").first.map(String.init) ?? "invalid usage"
                Foundation.exit(CareLedgerCommand.reportUsageError(message, arguments: Array(CommandLine.arguments.dropFirst())))
            }
            CareLedgerCommand.exit(withError: error)
        }
    }
}
