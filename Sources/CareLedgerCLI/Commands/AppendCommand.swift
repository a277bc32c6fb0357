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
            do {
                try EntryFormat.validateKind(Array(kind.utf8), offset: nil)
            } catch let error as CoreError {
                throw CLIFailure.usage("--kind \(kind): \(error.message); nothing was appended")
            }
            // The input is read twice, a chunk at a time (bounded memory): first every line is
            // checked against the entry limits, so a bad line appends nothing; then appended.
            let path = jsonl == "-" ? try JSONLinesStream.spoolStandardInput() : jsonl
            defer { if jsonl == "-" { try? FileManager.default.removeItem(atPath: path) } }
            let stream = JSONLinesStream(path: path)
            var total = 0
            try JSONLines.reporting(jsonl) {
                try stream.forEach { line in
                    if line.canonical.count > EntryFormat.maxPayloadBytes {
                        throw CLIFailure.usage("\(jsonl) line \(line.number): \(line.canonical.count) bytes exceeds the payload limit of \(EntryFormat.maxPayloadBytes); nothing was appended")
                    }
                    total += 1
                }
            }
            let ledger = try openSite(options, access: .write, wait: lock.duration)
            let bar = ProgressBar(label: "append", total: total)
            var first: Entry?, last: Entry?
            var appended = 0
            // Several group commits per call, so the next batch is signed while one is made durable.
            let chunk = batch * 8
            var payloads: [[UInt8]] = []
            payloads.reserveCapacity(min(chunk, total))
            func flush() throws {
                guard !payloads.isEmpty else { return }
                do {
                    try ledger.append(kind: kind, payloads: payloads, batchSize: batch) { entries in
                        first = first ?? entries.first
                        last = entries.last ?? last
                        appended += entries.count
                        bar.advance(by: entries.count)
                    }
                } catch let error as CoreError {
                    bar.finish()
                    let failed = "lines \(appended + 1)-\(min(appended + batch, total))"
                    // A full or failing disk is the site's data being unusable (exit 3), not a usage error.
                    throw CLIFailure(kind: CLIFailure.from(error).kind, message: "\(error.description) (\(failed); \(appended) entries before them were appended and are durable)",
                                     code: error.code.name)
                }
                payloads.removeAll(keepingCapacity: true)
            }
            try JSONLines.reporting(jsonl) {
                try stream.forEach { line in
                    payloads.append(line.canonical)
                    if payloads.count >= chunk { try flush() }
                }
            }
            try flush()
            bar.finish()
            try CommandOutput(json: options.json).emit(Output(appended: appended, firstId: first?.id.hex, lastId: last?.id.hex)) {
                print("Appended \(appended) \(kind) entries" + (last.map { ", last \($0.id.hex)" } ?? ""))
            }
        }
    }
}

/// Reads JSON Lines input for `append` and canonicalises it (Specs/canonical-json.md §5).
enum JSONLines {
    /// Runs `body`, turning the `JSONError` of a line that is not one JSON object into the
    /// usage failure `append` reports (naming the input and the line; nothing was appended).
    static func reporting(_ path: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as JSONError {
            let line = error.line.map { "line \($0)" } ?? "input"
            if error.code == .notAnObject {
                throw CLIFailure.usage("\(path) \(line): not a JSON object; nothing was appended")
            }
            let offset = error.offset.map { " at byte \($0)" } ?? ""
            throw CLIFailure.usage("\(path) \(line): not a JSON object (\(error.message)\(offset), \(error.code)); nothing was appended")
        }
    }
}
