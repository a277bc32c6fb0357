import CareLedgerCLI

/// The `careledger` executable: parses the command line and runs the chosen subcommand.
@main
enum CareLedgerMain {
    static func main() async {
        await CareLedgerCommand.main(nil)
    }
}
