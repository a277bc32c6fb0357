import CareLedgerCLI

await CareLedgerCommand.main()
