import ArgumentParser
import Foundation

/// Where the `careledger` binary a benchmark drives is: `--binary`, else the one built beside
/// this program.
enum BenchBinary {
    static func locate(_ given: String?) throws -> String {
        if let given { return given }
        let here = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let beside = here.deletingLastPathComponent().appendingPathComponent("careledger").path
        guard FileManager.default.isExecutableFile(atPath: beside) else {
            throw ValidationError("no careledger binary beside \(here.path): build it (`swift build -c release`) or pass --binary")
        }
        return beside
    }
}
