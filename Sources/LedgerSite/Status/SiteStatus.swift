import Foundation
import LedgerConsent
import LedgerCore

/// What `careledger status` shows: the site, its members, when it last synced with each
/// peer, and its counts of entries, quarantine, forks, open conflicts and the last verify.
public struct SiteStatus: Encodable {
    /// This site.
    public struct SiteRow: Encodable { public let name: String, key: String, role: String, status: String, networkId: String }
    /// A member of the network, as `members list` shows it.
    public struct MemberRow: Encodable { public let name: String, key: String, role: String, status: String }
    /// Contact with one other member.
    ///
    /// `last_bundle` is when the peer wrote the newest bundle imported here (its summary is in
    /// peers/); `last_tcp_sync` the last successful TCP sync with it, run here or served here
    /// (history/sync.jsonl);
    /// `last_sync` the later of the two; `last_arrival` when entries it wrote last arrived,
    /// directly or relayed (history/arrivals.jsonl).
    public struct PeerRow: Encodable {
        /// The peer's name, key (hex) and role.
        public let name: String, key: String, role: String
        /// Times of contact (RFC 3339, nil when never) and entries of its arrived here.
        public let lastSync: String?, lastBundle: String?, lastTcpSync: String?, lastArrival: String?, entriesArrived: Int
    }
    /// The last sync run through one folder or with one TCP peer.
    public struct SyncRow: Encodable { public let peer: String, transport: String, time: String, ok: Bool, received: Int, sent: Int, runs: Int }

    /// This site.
    public let site: SiteRow
    /// Every member, as `members list` shows them.
    public let members: [MemberRow]
    /// Contact with each other member.
    public let peers: [PeerRow]
    /// The last run per folder or TCP peer, newest first.
    public let syncs: [SyncRow]
    /// The newest of `syncs`.
    public let lastSync: SyncRow?
    /// Trusted entries.
    public let entries: Int
    /// Entries held in quarantine.
    public let quarantined: Int
    /// Entries of authors not admitted dropped from the quarantine to stay within its quota
    /// (`quarantine_dropped`; Specs/charter.md §4.1).
    public let quarantineDropped: Int
    /// The distinct authors of those entries (`quarantine_dropped_authors`).
    public let quarantineDroppedAuthors: Int
    /// Forks detected.
    public let forks: Int
    /// Consents with concurrent heads.
    public let openConflicts: Int
    /// Those consents (PSEUDONYM/CONSENT-ID).
    public let conflicts: [String]
    /// The last `verify` run, if any.
    public let lastVerify: VerifyRun?
    /// Trust between sites: restore and tree-head evidence (SiteStatus+Trust.swift).
    public var trust = TrustStatus()

    /// The `SyncRun.transport` values of TCP syncs: `tcp` where this site ran `sync --peer`,
    /// `tcp-served` where its `serve` answered the peer. Both are a sync with that peer.
    public static let tcpTransports: Set<String> = ["tcp", "tcp-served"]

    /// Reads the status of `ledger`; `progress` is told of entries read while finding open conflicts.
    public static func read(_ ledger: SiteLedger, progress: (Int) -> Void) throws -> SiteStatus {
        let me = ledger.charter.members[ledger.siteKey]
        let site = SiteRow(name: ledger.metadata.name, key: ledger.siteKey.hex, role: (me?.role ?? ledger.metadata.role).rawValue,
                           status: me?.status ?? "not yet admitted", networkId: ledger.networkID.hex)
        let members = ledger.charter.sortedMembers.map { MemberRow(name: $0.name, key: $0.key.hex, role: $0.role.rawValue, status: $0.status) }
        let runs = ledger.readHistory(SyncRun.self, from: SyncRun.historyFile)
        let arrivals = ledger.arrivalSamples()
        let peers = ledger.charter.sortedMembers.filter { $0.key != ledger.siteKey }.map { member in
            let bundle = ledger.peerSummaryTime(of: member.key).map(\.rfc3339)
            let tcp = latest(runs.filter { Self.tcpTransports.contains($0.transport) && $0.ok && ($0.peer == member.name || $0.peer == member.key.hex) }.map(\.time))
            let own = arrivals.filter { $0.author == member.key.hex }
            return PeerRow(name: member.name, key: member.key.hex, role: member.role.rawValue,
                           lastSync: latest([bundle, tcp].compactMap { $0 }), lastBundle: bundle, lastTcpSync: tcp,
                           lastArrival: latest(own.map(\.time)), entriesArrived: own.reduce(0) { $0 + $1.count })
        }
        var byPeer: [String: SyncRow] = [:]
        for run in runs {
            let key = run.transport + " " + run.peer
            let count = (byPeer[key]?.runs ?? 0) + 1
            if let held = byPeer[key], (millis(held.time) ?? 0) > (millis(run.time) ?? 0) {
                byPeer[key] = SyncRow(peer: held.peer, transport: held.transport, time: held.time, ok: held.ok,
                                      received: held.received, sent: held.sent, runs: count)
            } else {
                byPeer[key] = SyncRow(peer: run.peer, transport: run.transport, time: run.time, ok: run.ok,
                                      received: run.received, sent: run.sent, runs: count)
            }
        }
        let syncs = byPeer.values.sorted { (millis($0.time) ?? 0, $0.peer) > (millis($1.time) ?? 0, $1.peer) }
        let conflicts = try openConflicts(ledger, progress: progress)
        var status = SiteStatus(site: site, members: members, peers: peers, syncs: syncs, lastSync: syncs.first,
                          entries: ledger.entryCount, quarantined: ledger.quarantined.count,
                          quarantineDropped: ledger.quarantineDropped.entries, quarantineDroppedAuthors: ledger.quarantineDropped.authors,
                          forks: ledger.forks.count,
                          openConflicts: conflicts.count, conflicts: conflicts, lastVerify: ledger.verifyRuns().last)
        status.trust = TrustStatus(ledger)
        return status
    }

    /// The consents with concurrent heads (as `careledger conflicts` lists them): the
    /// conflicted patients' versions only, found through the derived-state database.
    /// A version that does not decode is `verify`'s and `conflicts`' to report; status counts the rest.
    private static func openConflicts(_ ledger: SiteLedger, progress: (Int) -> Void) throws -> [String] {
        try ledger.loadConflictedConsent(progress: progress).engine.conflicts().map(\.key.description)
    }

    /// The latest of some RFC 3339 times.
    private static func latest(_ times: [String]) -> String? {
        times.max { (millis($0) ?? 0) < (millis($1) ?? 0) }
    }

    private static func millis(_ text: String) -> Int64? { AuditAnalysis.millis(text) }
}
