import ArgumentParser
import Foundation
import LedgerCore
import LedgerSite

/// `careledger status`: the site at a glance: members, last sync with each peer, entries,
/// quarantine, forks, open consent conflicts and the last verify.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarise the site: members, last sync with each peer, entries, quarantined, forks, open conflicts, last verify.")
    @OptionGroup var options: SiteOptions

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let ledger = try openSite(options, access: .read)
            let bar = ProgressBar(label: "status", total: ledger.entryCount)
            let status = try SiteStatus.read(ledger) { bar.advance(by: $0) }
            bar.finish()
            try CommandOutput(json: options.json).emit(status) { printHuman(status) }
        }
    }

    private func printHuman(_ s: SiteStatus) {
        print("\(s.site.name) (\(s.site.role), \(s.site.status)) in network \(s.site.networkId.prefix(16))…")
        CommandOutput.table([
            ("entries", "\(s.entries)"),
            ("quarantined", "\(s.quarantined)"),
            ("quarantine dropped", s.quarantineDropped == 0 ? "0" : "\(s.quarantineDropped) entries of \(s.quarantineDroppedAuthors) author(s) not admitted (over the quota)"),
            ("forks", "\(s.forks)"),
            ("open conflicts", s.openConflicts == 0 ? "0" : "\(s.openConflicts) (see `careledger conflicts`)"),
            ("last verify", s.lastVerify.map { "\($0.time) \($0.ok ? "passed" : "FAILED with \($0.faults) fault(s)") (\($0.entries) entries)" } ?? "never (run `careledger verify`)"),
            ("last sync", s.lastSync.map { "\($0.time) \($0.transport) \($0.peer): received \($0.received), sent \($0.sent)\($0.ok ? "" : " (failed)")" } ?? "never"),
        ])
        for line in s.trust.lines { print(line) }
        print("\nmembers")
        let width = s.members.map(\.name.count).max() ?? 4
        for m in s.members {
            print("  \(m.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(m.role.padding(toLength: 10, withPad: " ", startingAt: 0))  \(m.status.padding(toLength: 7, withPad: " ", startingAt: 0))  \(m.key.prefix(16))…")
        }
        if !s.peers.isEmpty {
            print("\nlast sync with each peer")
            let pw = s.peers.map(\.name.count).max() ?? 4
            for p in s.peers {
                let sync = p.lastSync ?? "never"
                let arrival = p.lastArrival.map { ", last entries arrived \($0) (\(p.entriesArrived) in all)" } ?? ""
                print("  \(p.name.padding(toLength: pw, withPad: " ", startingAt: 0))  \(sync)\(arrival)")
            }
        }
    }
}
