import ArgumentParser
import Foundation
import LedgerCore
import LedgerSync

/// `careledger bundle export|import`: sync through files carried on removable media.
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Export bundles for other sites and import bundles from them.",
        subcommands: [Export.self, Import.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a signed bundle, encrypted to SITE, with what SITE is believed to lack.")
        @OptionGroup var options: SiteOptions
        @Option(help: "The recipient site: a member's name or key.") var to: String
        @Option(help: "The bundle file to write.") var out: String

        struct Output: Encodable { let entries: Int, bytes: Int, recipient: String, out: String }

        func run() async throws {
            try await runReportingFailures {
                let ledger = try openSite(options)
                let recipient = try ledger.member(to)
                let bundle = try ledger.writeBundle(to: [recipient]) { ProgressBar(label: "export", total: $0, unit: "entries") }
                try BundleFiles.write(bundle.bytes, to: out)
                try CommandOutput(json: options.json).emit(Output(entries: bundle.entries, bytes: bundle.bytes.count,
                                                                  recipient: recipient.key.hex, out: out)) {
                    print("Wrote \(out): \(bundle.entries) entries for \(recipient.name), \(bundle.bytes.count) bytes")
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import bundles atomically and idempotently; a rejected bundle changes nothing (exit 1).")
        @OptionGroup var options: SiteOptions
        @Argument(help: "Bundle files.") var files: [String]

        func run() async throws {
            try await runReportingFailures {
                guard !files.isEmpty else { throw CLIFailure.usage("give at least one bundle file") }
                let ledger = try openSite(options)
                let outcome = try BundleImporter.importFiles(files, into: ledger)
                try CommandOutput(json: options.json).emit(outcome) {
                    print("Imported \(outcome.imported) entries (\(outcome.alreadyHad) already held, \(outcome.quarantined) quarantined) from \(files.count - outcome.rejected.count) bundle(s)")
                    for rejected in outcome.rejected { print("REJECTED \(rejected.file): \(rejected.why)") }
                }
                if !outcome.rejected.isEmpty {
                    if !options.json { printError("error: \(outcome.rejected.count) bundle(s) rejected; they changed nothing") }
                    throw ExitCode(1)
                }
            }
        }
    }
}

/// The outcome of importing several bundle files.
struct BundleImportOutcome: Encodable {
    struct Rejected: Encodable { let file: String, code: String, why: String }
    var imported = 0
    var alreadyHad = 0
    var quarantined = 0
    var released = 0
    var forks = 0
    var bundles = 0
    var rejected: [Rejected] = []
    /// Derived files that could not be written after a bundle's entries were committed.
    var warnings: [String] = []
}

/// Imports bundle files one by one; each is all or nothing.
enum BundleImporter {
    static func importFiles(_ files: [String], into ledger: SiteLedger) throws -> BundleImportOutcome {
        var outcome = BundleImportOutcome()
        // Each bundle is one all-or-nothing commit, so entries are counted as each lands;
        // the fraction and ETA are of bundles, the rate is of entries.
        let bar = ProgressBar(label: "import", total: files.count, unit: "bundles", itemUnit: "entries")
        defer { bar.finish() }
        // One id set for the whole call, grown as bundles land: not a log scan per bundle.
        var set = try ledger.reconcilableSet()
        for file in files {
            var entries = 0
            bar.describe(file.split(separator: "/").last.map(String.init) ?? file)
            defer { bar.advance(by: 1, items: entries) }
            guard let data = FileManager.default.contents(atPath: file) else {
                outcome.rejected.append(.init(file: file, code: "unreadable", why: "cannot read the file"))
                continue
            }
            do {
                let imported = try ledger.importBundle(Array(data), fileName: file, set: &set)
                let (result, report) = (imported.result, imported.report)
                outcome.warnings += imported.warnings
                entries = report.imported + report.alreadyHad + report.quarantined + result.alreadyHad
                outcome.bundles += 1
                outcome.imported += report.imported + report.released
                outcome.alreadyHad += report.alreadyHad + result.alreadyHad
                outcome.quarantined += report.quarantined
                outcome.released += report.released
                outcome.forks += report.forks.count
            } catch let error as SyncError {
                outcome.rejected.append(.init(file: file, code: "\(error.code)", why: error.description))
            } catch let error as CoreError {
                if [.locked, .noSpace, .io].contains(error.code) { throw CLIFailure.from(error) }
                outcome.rejected.append(.init(file: file, code: error.code.description, why: error.description))
            }
        }
        bar.finish()  // Before the warnings, so they do not land on the bar's line.
        // Stored entries with a derived file missing are a success with a warning, for
        // `bundle import` and `sync --folder` alike (also in `--json` as `warnings`).
        for warning in outcome.warnings { printError("warning: \(warning)") }
        return outcome
    }
}

/// Writes bundle files durably under their final name (temporary name, fsync, rename).
enum BundleFiles {
    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try DurableFiles.writeAtomically(bytes, to: path, mode: 0o644)
        } catch let error as CoreError {
            throw CLIFailure.usage("cannot write \(path): \(error.message)")
        }
    }
}
