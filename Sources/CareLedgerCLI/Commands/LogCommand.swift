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

    /// A row as the `--json` contract defines it; ``RowPrinter`` writes the same bytes
    /// without building one (LogRowTests checks that they agree).
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
            func show(_ entry: Entry) { printer.print(entry, siteName: ledger.charter.members[entry.author]?.name) }
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
        /// Bytes not yet written to standard output.
        private(set) var buffer: [UInt8] = []

        init(json: Bool) {
            self.json = json
            buffer.reserveCapacity(1 << 16)
        }

        /// Escaped JSON strings of kinds and site names, which repeat from row to row.
        private var escaped: [String: [UInt8]] = [:]

        /// Prints `entry`'s row.
        ///
        /// `--json` writes the bytes `JSONWriter.canonical(row.json)` would (members in the
        /// canonical order `id`, `kind`, `payload`, `sequence`, `site`, `site_name`, `time`)
        /// without building the row: at 10^6 entries the row objects and their hex strings
        /// cost more than reading the log. Text rows never parse the payload.
        func print(_ entry: Entry, siteName: String?) {
            let time = RFC3339.string(from: entry.timestamp)
            if json {
                buffer += rows == 0 ? Array(#"{"entries":[{"id":""#.utf8) : Array(#",{"id":""#.utf8)
                Self.appendHex(entry.id.bytes, to: &buffer)
                buffer += Array(#"","kind":"#.utf8)
                buffer += escapedString(entry.kind)
                buffer += Array(#","payload":"#.utf8)
                buffer += JSONWriter.canonical(LogCommand.payloadValue(entry.payload))
                buffer += Array(#","sequence":"#.utf8)
                buffer += Array(String(entry.sequence).utf8)
                buffer += Array(#","site":""#.utf8)
                Self.appendHex(entry.author.bytes, to: &buffer)
                buffer.append(UInt8(ascii: "\""))
                if let siteName {
                    buffer += Array(#","site_name":"#.utf8)
                    buffer += escapedString(siteName)
                }
                buffer += Array(#","time":""#.utf8)
                buffer += Array(time.utf8)
                buffer += Array(#""}"#.utf8)
            } else {
                // TIME  SITE-NAME-OR-12-HEX  KIND  16-HEX-OF-ID
                buffer += Array(time.utf8) + [0x20, 0x20]
                if let siteName { buffer += Array(siteName.utf8) } else { Self.appendHex(entry.author.bytes.prefix(6), to: &buffer) }
                buffer += [0x20, 0x20] + Array(entry.kind.utf8) + [0x20, 0x20]
                Self.appendHex(entry.id.bytes.prefix(8), to: &buffer)
                buffer.append(0x0A)
            }
            rows += 1
            if buffer.count >= 1 << 16 { flush() }
        }

        /// A string as canonical JSON (quoted and escaped), computed once per distinct string.
        private func escapedString(_ text: String) -> [UInt8] {
            if let known = escaped[text] { return known }
            let bytes = JSONWriter.canonical(.string(text))
            if escaped.count < 4096 { escaped[text] = bytes }
            return bytes
        }

        private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

        /// Lowercase hex of `bytes`, appended.
        static func appendHex<Bytes: Collection>(_ bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
            for byte in bytes {
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
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
