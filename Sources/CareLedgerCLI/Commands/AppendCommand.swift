import ArgumentParser
import Foundation
import LedgerCore

/// `careledger append --kind KIND --jsonl FILE`: one signed entry per JSON line.
struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Append one signed entry per line of a JSON Lines file (- = stdin).")
    @OptionGroup var options: SiteOptions
    @Option(help: "The entry kind, e.g. anchor, consent.version, trial.custody.") var kind: String
    @Option(help: "JSON Lines file, one JSON object per line; - reads standard input.") var jsonl: String
    @Option(help: "Entries per durable batch (group commit).") var batch: Int = 1000

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
        try await runReportingFailures {
            guard batch > 0 else { throw CLIFailure.usage("--batch must be positive") }
            let payloads = try JSONLines.readObjects(jsonl)
            // Check every line against the entry limits before anything is appended.
            do {
                try EntryFormat.validateKind(Array(kind.utf8), offset: nil)
            } catch let error as CoreError {
                throw CLIFailure.usage("--kind \(kind): \(error.message); nothing was appended")
            }
            if let index = payloads.firstIndex(where: { $0.count > EntryFormat.maxPayloadBytes }) {
                throw CLIFailure.usage("\(jsonl) entry \(index + 1): \(payloads[index].count) bytes exceeds the payload limit of \(EntryFormat.maxPayloadBytes); nothing was appended")
            }
            let ledger = try openSite(options)
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
                throw CLIFailure(kind: CLIFailure.from(error).kind, message: "\(error.description) (\(failed); \(appended) entries before them were appended and are durable)")
            }
            bar.finish()
            try CommandOutput(json: options.json).emit(Output(appended: payloads.count, firstId: first?.id.hex, lastId: last?.id.hex)) {
                print("Appended \(payloads.count) \(kind) entries" + (last.map { ", last \($0.id.hex)" } ?? ""))
            }
        }
    }
}

/// Reads and canonicalises JSON Lines input.
enum JSONLines {
    /// Every non-blank line as canonical JSON bytes; any bad line rejects the whole input.
    ///
    /// Lines are parsed and re-serialised on every core (Foundation's JSON is the slowest
    /// step of a bulk append); the first bad line in file order is the one reported.
    static func readObjects(_ path: String) throws -> [[UInt8]] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: path) else {
                throw CLIFailure.usage("cannot read \(path): no such file or not readable")
            }
            data = read
        }
        var lines: [(number: Int, bytes: Data)] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) {
            lines.append((index + 1, Data(line)))
        }
        var results = [[UInt8]?](repeating: nil, count: lines.count)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, lines.count / 256))
        let work = lines
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = CanonicalLines(slots: buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for position in stride(from: worker, to: work.count, by: workers) {
                    slots.set(position, canonical(work[position].bytes))
                }
            }
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(lines.count)
        for (position, line) in lines.enumerated() {
            guard let canonical = results[position] else {
                throw CLIFailure.usage("\(path) line \(line.number): not a JSON object; nothing was appended")
            }
            out.append(canonical)
        }
        return out
    }

    /// The canonical bytes (sorted keys, unescaped slashes) of one line, or nil when it is
    /// not a JSON object.
    private static func canonical(_ line: Data) -> [UInt8]? {
        guard let object = try? JSONSerialization.jsonObject(with: line), object is [String: Any],
            let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return Array(canonical)
    }
}

/// Per-line result slots written by the parsing workers.
private struct CanonicalLines: @unchecked Sendable {  // each slot is written by one worker only, read after all finish.
    let slots: UnsafeMutableBufferPointer<[UInt8]?>
    func set(_ position: Int, _ value: [UInt8]?) { slots[position] = value }
}
