import ArgumentParser

/// `careledger-bench`: measured figures beside a baseline measured in the same run.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careledger-bench",
        abstract: "CareLedger benchmarks, each printed beside a baseline measured in the same run.",
        subcommands: [CryptoBenchmark.self, BundleBenchmark.self, StorageBenchmarkCommand.self, StorageCrashChildCommand.self, CheckBenchmark.self, ReconcileBenchmark.self, TCPLoadBenchmark.self, TCPServeChildCommand.self, SyncMemoryBenchmark.self, StorageProbeCommand.self, SiteBenchmark.self, RouteBenchmark.self, HTTPBenchmark.self, MirrorBenchmark.self, SetMemoryBenchmark.self]
    )
}

extension CommandConfiguration {
    /// A child the benchmarks or the tests start themselves: it has a name but is not listed in `--help`.
    static func hiddenChild(_ commandName: String, abstract: String) -> CommandConfiguration {
        CommandConfiguration(commandName: commandName, abstract: abstract, shouldDisplay: false)
    }
}
