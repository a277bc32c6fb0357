import ArgumentParser
import CanonicalJSON
import LedgerCore

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
            var rows: [Row] = []
            try ledger.forEachEntry { _, entry in
                guard kind == nil || entry.kind == kind else { return }
                rows.append(Row(id: entry.id.hex, site: entry.author.hex, siteName: ledger.charter.members[entry.author]?.name,
                                kind: entry.kind, sequence: entry.sequence, time: RFC3339.string(from: entry.timestamp),
                                payload: Self.payloadValue(entry.payload)))
                if let limit, rows.count > limit { rows.removeFirst(rows.count - limit) }
            }
            try CommandOutput(json: options.json).emit(JSONValue.object([("entries", .array(rows.map(\.json)))])) {
                for row in rows {
                    print("\(row.time)  \(row.siteName ?? String(row.site.prefix(12)))  \(row.kind)  \(row.id.prefix(16))")
                }
            }
        }
    }
}
