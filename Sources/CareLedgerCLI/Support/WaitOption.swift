import ArgumentParser

/// `--wait SECONDS`: how long a writing command waits for another writer of the site
/// (Specs/site-layout.md §8.2) before it exits 3 naming the holder.
struct WaitOption: ParsableArguments {
    /// The default wait, in seconds.
    static let defaultSeconds = 10.0

    // Numeric options are range-checked at parse time (Support/NumericOption.swift).
    @Option(parsing: .unconditional,
            help: NumericOptions.wait.help("Seconds to wait for another process writing this site (not a running serve: writes go through it).", default: "10"),
            transform: NumericOptions.wait.parse) var wait: Double = WaitOption.defaultSeconds

    /// The wait as a duration.
    var duration: Duration { .milliseconds(Int64((wait * 1000).rounded())) }
}
