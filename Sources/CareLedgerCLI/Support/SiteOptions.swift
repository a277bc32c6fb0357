import ArgumentParser
import Foundation

/// The options every command takes: the site's data folder and the output form.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: "The site's data folder (default: $CARELEDGER_DIR, else ./careledger-data).")
    var dir: String?

    @Flag(name: .long, help: "Print one JSON object on stdout and nothing else there.")
    var json = false

    /// The folder in effect: `--dir`, else `$CARELEDGER_DIR`, else `./careledger-data`.
    var directory: String {
        if let dir { return dir }
        if let env = ProcessInfo.processInfo.environment["CARELEDGER_DIR"], !env.isEmpty { return env }
        return "./careledger-data"
    }
}
