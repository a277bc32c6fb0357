import ArgumentParser
import CanonicalJSON
import Foundation
import LedgerCore

/// `careledger append --kind KIND --jsonl FILE`: one signed entry per JSON line.
struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Append one signed entry per line of a JSON Lines file (- = stdin).")
    @OptionGroup var options: SiteOptions
    @OptionGroup var lock: WaitOption
    @Option(help: "The entry kind, e.g. anchor, consent.version, trial.custody.") var kind: String
    @Option(help: "JSON Lines file, one JSON object per line; - reads standard input.") var jsonl: String
    @Option(parsing: .unconditional, help: NumericOptions.batch.help("Entries per durable batch (group commit).", default: "1000"),
            transform: NumericOptions.batch.parse) var batch: Int = 1000

    struct Output: Encodable {
        let appended: Int, firstId: String?, lastId: String?

        enum CodingKeys: String, CodingKey { case appended, firstId, lastId }

        /// Writes absent ids as `null`, so the contract's keys are always present.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(appended, forKey: .appended)
            try container.encode(firstId, forKey: .firstId)
            try container.encode(lastId, forKey: .lastId)
        }
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            guard batch > 0 else { throw CLIFailure.usage("--batch must be positive") }
            let lines = try JSONLines.readObjects(jsonl)
            let payloads = lines.map(\.canonical)
            // Check every line against the entry limits before anything is appended.
            do {
                try EntryFormat.validateKind(Array(kind.utf8), offset: nil)
            } catch let error as CoreError {
                throw CLIFailure.usage("--kind \(kind): \(error.message); nothing was appended")
            }
            if let line = lines.first(where: { $0.canonical.count > EntryFormat.maxPayloadBytes }) {
                throw CLIFailure.usage("\(jsonl) line \(line.number): \(line.canonical.count) bytes exceeds the payload limit of \(EntryFormat.maxPayloadBytes); nothing was appended")
            }
            let ledger = try openSite(options, access: .write, wait: lock.duration)
            let bar = ProgressBar(label: "append", total: payloads.count)
            var first: Entry?, last: Entry?
            var appended = 0
            do {
                // Group commits of --batch; the next batch is signed while this one is made durable.
                try ledger.append(kind: kind, payloads: payloads, batchSize: batch) { entries in
                    first = first ?? entries.first
                    last = entries.last ?? last
                    appended += entries.count
                    bar.advance(by: entries.count)
                }
            } catch let error as CoreError {
                bar.finish()
                let failed = "lines \(appended + 1)-\(min(appended + batch, payloads.count))"
                // A full or failing disk is the site's data being unusable (exit 3), not a usage error.
                throw CLIFailure(kind: CLIFailure.from(error).kind, message: "\(error.description) (\(failed); \(appended) entries before them were appended and are durable)",
                                 code: error.code.name)
            }
            bar.finish()
            try CommandOutput(json: options.json).emit(Output(appended: payloads.count, firstId: first?.id.hex, lastId: last?.id.hex)) {
                print("Appended \(payloads.count) \(kind) entries" + (last.map { ", last \($0.id.hex)" } ?? ""))
            }
        }
    }
}

/// Reads JSON Lines input for `append` and canonicalises it (Specs/canonical-json.md §5).
enum JSONLines {
    /// Every non-blank line as canonical JSON object bytes, with its line number; any bad
    /// line rejects the whole input (the first one in file order is reported).
    static func readObjects(_ path: String) throws -> [JSONLinesReader.Line] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: path) else {
                throw CLIFailure.usage("cannot read \(path): no such file or not readable")
            }
            data = read
        }
        do {
            return try JSONLinesReader.readAll(Array(data))
        } catch {
            let line = error.line.map { "line \($0)" } ?? "input"
            if error.code == .notAnObject {
                throw CLIFailure.usage("\(path) \(line): not a JSON object; nothing was appended")
            }
            let offset = error.offset.map { " at byte \($0)" } ?? ""
            throw CLIFailure.usage("\(path) \(line): not a JSON object (\(error.message)\(offset), \(error.code)); nothing was appended")
        }
    }
}
