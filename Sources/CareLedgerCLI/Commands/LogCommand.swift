import ArgumentParser
import LedgerCore

/// `careledger log`: entries, newest last.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "List entries, newest last.")
    @OptionGroup var options: SiteOptions
    @Option(help: "Only entries of this kind.") var kind: String?
    @Option(help: "Only the newest N entries.") var limit: Int?

    struct Row: Encodable { let id: String, site: String, siteName: String?, kind: String, sequence: UInt64, time: String, payload: JSONValue }
    struct Output: Encodable { let entries: [Row] }

    func run() async throws {
        try await runReportingFailures {
            if let limit, limit < 0 { throw CLIFailure.usage("--limit must not be negative") }
            let ledger = try openSite(options)
            var rows: [Row] = []
            try ledger.forEachEntry { _, entry in
                guard kind == nil || entry.kind == kind else { return }
                rows.append(Row(id: entry.id.hex, site: entry.author.hex, siteName: ledger.charter.members[entry.author]?.name,
                                kind: entry.kind, sequence: entry.sequence, time: RFC3339.string(from: entry.timestamp),
                                payload: .payload(entry.payload)))
                if let limit, rows.count > limit { rows.removeFirst(rows.count - limit) }
            }
            try CommandOutput(json: options.json).emit(Output(entries: rows)) {
                for row in rows {
                    print("\(row.time)  \(row.siteName ?? String(row.site.prefix(12)))  \(row.kind)  \(row.id.prefix(16))")
                }
            }
        }
    }
}
