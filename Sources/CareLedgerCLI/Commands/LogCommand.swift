import ArgumentParser
import CanonicalJSON
import Foundation
import LedgerCore
import LedgerSite

/// `careledger log`: entries, newest last.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "List entries, newest last.")
    @OptionGroup var options: SiteOptions
    @Option(help: "Only entries of this kind.") var kind: String?
    @Option(parsing: .unconditional, help: NumericOptions.limit.help("Only the newest N entries."),
            transform: NumericOptions.limit.parse) var limit: Int?

    struct Row {
        let id: String, site: String, siteName: String?, kind: String, sequence: UInt64, time: String, payload: JSONValue

        /// The row as the `--json` contract has it (snake_case keys, `site_name` only when known).
        var json: JSONValue {
            var members: [(String, JSONValue)] = [
                ("id", .string(id)), ("site", .string(site)), ("kind", .string(kind)),
                ("sequence", .number(JSONNumber(sequence))), ("time", .string(time)),
                ("payload", payload),
            ]
            if let siteName { members.append(("site_name", .string(siteName))) }
            return .object(members)
        }
    }

    /// A payload as shown: its JSON value, or a hex string when it is not JSON.
    static func payloadValue(_ bytes: [UInt8]) -> JSONValue {
        (try? JSONParser.parse(bytes)) ?? .string(Hex.encode(bytes))
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            if let limit, limit < 0 { throw CLIFailure.usage("--limit must not be negative") }
            let ledger = try openSite(options, access: .read)
            // Rows are printed as they are read (bounded memory, Specs/site-layout.md §9.5);
            // `--json` writes the same canonical object `{"entries":[…]}` piece by piece.
            let printer = RowPrinter(json: options.json)
            defer { printer.flush() }
            func show(_ entry: Entry) {
                printer.print(Row(id: entry.id.hex, site: entry.author.hex, siteName: ledger.charter.members[entry.author]?.name,
                                  kind: entry.kind, sequence: entry.sequence, time: RFC3339.string(from: entry.timestamp),
                                  payload: Self.payloadValue(entry.payload)))
            }
            if let index = try ledger.currentIndex(), limit != nil || kind != nil {
                // The newest N (read backwards by ordinal), or one kind, found in the index.
                let ordinals = try index.ordinals(kind: kind, below: ledger.entryCount, newestFirst: limit != nil, limit: limit)
                for ordinal in limit != nil ? ordinals.reversed() : ordinals { show(try ledger.entry(at: ordinal)) }
            } else if let limit, kind == nil {
                try ledger.forEachEntry(from: max(0, ledger.entryCount - limit)) { _, entry in show(entry) }
            } else if let limit {
                // No index: the newest N of one kind, keeping N entries at most.
                var newest: [Entry] = []
                try ledger.forEachEntry { _, entry in
                    guard entry.kind == kind else { return }
                    newest.append(entry)
                    if newest.count > limit { newest.removeFirst() }
                }
                newest.forEach(show)
            } else {
                try ledger.forEachEntry { _, entry in
                    if kind == nil || entry.kind == kind { show(entry) }
                }
            }
            printer.finish()
        }
    }

    /// Prints rows one at a time, as text lines or as the elements of the `--json` object,
    /// through a 64 KiB buffer written straight to standard output (a `print` per row costs
    /// more than the row).
    final class RowPrinter {
        let json: Bool
        private var rows = 0
        private var buffer: [UInt8] = []

        init(json: Bool) {
            self.json = json
            buffer.reserveCapacity(1 << 16)
        }

        func print(_ row: Row) {
            if json {
                buffer += rows == 0 ? Array(#"{"entries":["#.utf8) : [UInt8(ascii: ",")]
                buffer += JSONWriter.canonical(row.json)
            } else {
                buffer += Array("\(row.time)  \(row.siteName ?? String(row.site.prefix(12)))  \(row.kind)  \(row.id.prefix(16))\n".utf8)
            }
            rows += 1
            if buffer.count >= 1 << 16 { flush() }
        }

        /// Ends the `--json` object and writes what is buffered.
        func finish() {
            if json { buffer += Array((rows == 0 ? #"{"entries":[]}"# : "]}").utf8) + [0x0A] }
            flush()
        }

        /// Writes what is buffered (also what a failed command printed before it failed).
        func flush() {
            guard !buffer.isEmpty else { return }
            try? FileHandle.standardOutput.write(contentsOf: Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
