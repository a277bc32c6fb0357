import ArgumentParser
import Foundation
import LedgerCore

/// `careledger-bench site`: what a person meets. Builds real sites with the `careledger`
/// binary at each size and times each command as a separate process (start, site opening
/// and answer), median of `--runs`; then the bulk paths at the largest size: a CLI append of
/// that many lines beside the same append in-process, `log --json` over everything, and a
/// 20,000-Consent import into an empty site beside the same import into the largest.
///
/// `--reuse DIR` skips the building: it times the commands on the sites an earlier
/// `--keep DIR` run left in `DIR/size-N/central` (each timed `append` adds one line to them,
/// and the bulk import adds its 20,000 Consents to the largest), so a quiet re-measurement
/// takes minutes. The bulk figures then build their own sites in a temporary folder (a CLI
/// append of the largest size's lines, two imports); `--no-bulk` skips them.
struct SiteBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Time each command as a separate process on real sites of growing size (median of --runs).")

    @Option(help: "Comma-separated site sizes in entries.") var sizes: String = "10000,100000,1000000"
    @Option(help: "Runs per command and size; the median is reported (1-99).") var runs: Int = 5
    @Option(help: "The careledger binary (default: the one beside this program).") var binary: String?
    @Option(help: "Build the sites here and keep them (default: a temporary folder, removed).") var keep: String?
    @Option(help: "Time the sites an earlier --keep run built here (DIR/size-N/central) instead of building them.")
    var reuse: String?
    @Flag(help: "Skip the bulk figures (CLI append of the largest size, log --json, the 20,000-Consent imports).")
    var noBulk = false
    @Flag(help: "Print the figures as one JSON line last.") var json = false

    func validate() throws {
        guard (1...99).contains(runs) else { throw ValidationError("--runs must be 1 to 99") }
        guard !parsedSizes.isEmpty, parsedSizes.allSatisfy({ (100...100_000_000).contains($0) }) else {
            throw ValidationError("--sizes takes comma-separated entry counts from 100 to 100000000")
        }
        guard keep == nil || reuse == nil else { throw ValidationError("--keep builds sites and --reuse times built ones: pass one") }
        if let reuse {
            let missing = parsedSizes.filter { !FileManager.default.fileExists(atPath: Self.central(in: reuse, size: $0) + "/site.json") }
            guard missing.isEmpty else {
                throw ValidationError("--reuse \(reuse) holds no site for size(s) \(missing.map(String.init).joined(separator: ",")) (expected size-N/central, as --keep leaves them)")
            }
        }
    }

    /// Where a `--keep` run leaves the central site of `size` under `root`.
    static func central(in root: String, size: Int) -> String { root + "/size-\(size)/central" }

    private var parsedSizes: [Int] {
        sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.sorted()
    }

    func run() throws {
        let binary = try BenchBinary.locate(binary)
        let temporary = FileManager.default.temporaryDirectory.path + "/careledger-bench-site-\(UUID().uuidString.prefix(8))"
        let root = reuse ?? keep ?? temporary
        // Reused sites are not a place for the bulk sites: those go to a temporary folder.
        let bulkRoot = reuse == nil ? root : temporary
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: temporary) } }
        let say: (String) -> Void = { FileHandle.standardError.write(Data(("site: " + $0 + "\n").utf8)) }
        var figures: [String: Any] = [:]
        var table: [String: [Int: Double]] = [:]
        let sizes = parsedSizes
        // How the binary was linked decides ~20 ms of every command (README "Whole commands").
        figures["binary_static_swift_stdlib"] = try Self.linksSwiftStatically(binary)
        var largestSite: BenchSite?
        for size in sizes {
            let site = try reuse == nil
                ? BenchSite.build(size: size, root: root + "/size-\(size)", binary: binary, say: say)
                : BenchSite.existing(Self.central(in: root, size: size), binary: binary, scratch: root + "/size-\(size)")
            figures["entries_\(size)"] = site.entries
            for command in SiteCommand.all(site: site, scratch: root + "/size-\(size)") {
                let median = try timeMedian(binary: binary, command: command, scratch: root + "/size-\(size)")
                table[command.name, default: [:]][size] = median
                figures["\(command.name)_ms_\(size)"] = rounded(median)
                say("size \(size): \(command.name) \(rounded(median)) ms")
            }
            largestSite = site
        }
        if sizes.count > 1, let smallest = sizes.first, let largest = sizes.last {
            let ratios = table.compactMap { name, bySize -> (String, Double)? in
                guard let small = bySize[smallest], let big = bySize[largest], small > 0 else { return nil }
                return (name, big / small)
            }
            if let worst = ratios.max(by: { $0.1 < $1.1 }) {
                figures["worst_flatness"] = rounded(worst.1)
                figures["worst_flatness_command"] = worst.0
            }
        }
        if !noBulk, let site = largestSite, let largest = sizes.last {
            try measureBulk(site: site, size: largest, binary: binary, root: bulkRoot, into: &figures, say: say)
        }
        printTable(table, sizes: sizes, figures: figures)
        if json { print(try sortedJSONLine(figures)) }
    }

    /// The CLI append, `log --json` and the import beside their baselines at the largest size.
    private func measureBulk(site: BenchSite, size: Int, binary: String, root: String,
                             into figures: inout [String: Any], say: (String) -> Void) throws {
        let bulk = root + "/bulk"
        try FileManager.default.createDirectory(atPath: bulk, withIntermediateDirectories: true)
        let corpus = SiteCorpus(folder: bulk)
        // CLI append of `size` lines into a new site, beside the same payloads appended in-process.
        try corpus.writeLines(bulk + "/append.jsonl", size) { "{\"note\":\"bulk \($0)\",\"n\":\($0)}" }
        _ = try MeasuredProcess.runChecked(binary, ["network", "create", "--dir", bulk + "/append-site", "--site", "a", "--name", "bulk"], scratch: bulk)
        say("bulk: CLI append of \(size) lines")
        let append = try MeasuredProcess.runChecked(
            binary, ["append", "--dir", bulk + "/append-site", "--kind", "clinical.note", "--jsonl", bulk + "/append.jsonl"], scratch: bulk,
            samplingPeak: true)
        let cliRate = Double(size) / (append.milliseconds / 1000)
        figures["append_entries_per_s_\(size)"] = Int(cliRate)
        figures["append_peak_rss_mb_\(size)"] = rounded(append.peakRSSMegabytes)
        say("bulk: the same append in-process")
        let inProcessRate = try inProcessAppendRate(count: size, folder: bulk + "/in-process")
        figures["append_in_process_entries_per_s"] = Int(inProcessRate)
        figures["append_cli_vs_in_process"] = rounded(cliRate / inProcessRate)

        say("bulk: log --json over \(site.entries) entries")
        let log = try MeasuredProcess.runChecked(binary, ["log", "--dir", site.central, "--json"], scratch: bulk, samplingPeak: true)
        figures["log_json_entries_per_s"] = Int(Double(site.entries) / (log.milliseconds / 1000))
        figures["log_json_peak_rss_mb"] = rounded(log.peakRSSMegabytes)

        say("bulk: 20,000 Consents into an empty site and into the \(size)-entry site")
        let emptyFiles = try corpus.writeConsents(20_000, patients: 10_000, prefix: "empty")
        let moreFiles = try corpus.writeConsents(20_000, patients: 10_000, prefix: "more")
        _ = try MeasuredProcess.runChecked(binary, ["network", "create", "--dir", bulk + "/empty-site", "--site", "e", "--name", "bulk"], scratch: bulk)
        let empty = try MeasuredProcess.runChecked(binary, ["consent", "import", "--dir", bulk + "/empty-site"] + emptyFiles, scratch: bulk)
        let full = try MeasuredProcess.runChecked(binary, ["consent", "import", "--dir", site.central] + moreFiles, scratch: bulk)
        figures["import_20k_ms_empty"] = rounded(empty.milliseconds)
        figures["import_20k_ms_\(size)"] = rounded(full.milliseconds)
        figures["import_20k_full_vs_empty"] = rounded(full.milliseconds / empty.milliseconds)
    }

    /// Appends `count` notes to a new site in this process, in the CLI's batch size: the
    /// baseline the CLI's whole-process append is measured against.
    private func inProcessAppendRate(count: Int, folder: String) throws -> Double {
        let ledger = try SiteLedger.foundNetwork(at: folder, siteName: "in-process", networkName: "bulk")
        let payloads = (0..<count).map { Array("{\"n\":\($0),\"note\":\"bulk \($0)\"}".utf8) }
        let start = ContinuousClock.now
        try ledger.append(kind: "clinical.note", payloads: payloads, batchSize: 1000) { _ in }
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        return Double(count) / (Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Whether `binary` carries the Swift runtime inside it (`swift build --static-swift-stdlib`)
    /// rather than loading `libswiftCore.so` and Foundation's shared objects at every start.
    static func linksSwiftStatically(_ binary: String) throws -> Bool {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: binary), options: .alwaysMapped)
        return bytes.range(of: Data("libswiftCore.so".utf8)) == nil
    }

    private func timeMedian(binary: String, command: SiteCommand, scratch: String) throws -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let run = try MeasuredProcess.runChecked(binary, command.arguments, accepted: command.accepted, scratch: scratch,
                                                     stdinPath: command.stdin ?? "/dev/null")
            times.append(run.milliseconds)
        }
        return times.sorted()[times.count / 2]
    }

    private func printTable(_ table: [String: [Int: Double]], sizes: [Int], figures: [String: Any]) {
        let header = "command".padding(toLength: 18, withPad: " ", startingAt: 0)
            + sizes.map { "\($0) entries".leftPadded(16) }.joined() + "  target at the largest"
        print(header)
        for command in SiteCommand.names {
            guard let bySize = table[command] else { continue }
            let cells = sizes.map { (bySize[$0].map { "\(rounded($0)) ms" } ?? "-").leftPadded(16) }.joined()
            print(command.padding(toLength: 18, withPad: " ", startingAt: 0) + cells + "  " + (command == "report" ? "≤ 1000 ms" : "≤ 50 ms"))
        }
        for key in figures.keys.sorted() where !key.contains("_ms_") && !key.hasPrefix("entries_") {
            print("\(key): \(figures[key] ?? "")")
        }
    }
}

/// One timed command of `careledger-bench site`.
struct SiteCommand {
    let name: String
    let arguments: [String]
    /// Exit codes that count as answering (a `check` that denies still answered).
    var accepted: Set<Int32> = [0]
    var stdin: String?

    /// The commands in the order the table lists them.
    static let names = ["head", "check", "log_limit_20", "status", "stats", "conflicts", "consent_export", "members_list", "report", "append"]

    /// The timed commands against `site`; `scratch` holds their input and output files.
    static func all(site: BenchSite, scratch: String) -> [SiteCommand] {
        let dir = ["--dir", site.central]
        let oneLine = scratch + "/one-line.jsonl"
        _ = FileManager.default.createFile(atPath: oneLine, contents: Data("{\"note\":\"one more\"}\n".utf8))
        return [
            SiteCommand(name: "head", arguments: ["head", "--json"] + dir),
            SiteCommand(name: "check", arguments: ["check", "--patient", SiteCorpus.patient(0), "--actor", "Organization/clinic-1",
                                                   "--purpose", "TREAT", "--class", "Observation", "--json"] + dir, accepted: [0, 1]),
            SiteCommand(name: "log_limit_20", arguments: ["log", "--limit", "20", "--json"] + dir),
            SiteCommand(name: "status", arguments: ["status", "--json"] + dir),
            SiteCommand(name: "stats", arguments: ["stats", "--json"] + dir),
            SiteCommand(name: "conflicts", arguments: ["conflicts", "--json"] + dir, accepted: [0, 1]),
            SiteCommand(name: "consent_export", arguments: ["consent", "export", "--patient", SiteCorpus.patient(0)] + dir),
            SiteCommand(name: "members_list", arguments: ["members", "list", "--json"] + dir),
            SiteCommand(name: "report", arguments: ["report", "--out", scratch + "/report"] + dir),
            SiteCommand(name: "append", arguments: ["append", "--kind", "clinical.note", "--jsonl", oneLine, "--json"] + dir),
        ]
    }
}

/// Milliseconds and ratios to one decimal place (three below 10), for the table and JSON.
func rounded(_ value: Double) -> Double {
    value < 10 ? (value * 1000).rounded() / 1000 : (value * 10).rounded() / 10
}
