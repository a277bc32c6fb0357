import Foundation
import TestSupport
import Testing

@Suite("careledger status")
struct StatusTests {
    func status(of dir: String) throws -> [String: Any] {
        try ReportCLI.run(["status", "--dir", dir, "--json"]).object()
    }

    @Test("status --json lists the members with name, role and status")
    func statusListsMembers() throws {
        let net = try ReportNetwork.shared.get()
        let temp = try net.copyOfCentral()
        defer { temp.remove() }
        let s = try status(of: temp.path + "/central")
        let site = try #require(s["site"] as? [String: Any])
        #expect(site["name"] as? String == "central")
        #expect(site["role"] as? String == "governance")
        #expect(site["key"] as? String == net.keys["central"])
        let members = try #require(s["members"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: members.map { ($0["name"] as? String ?? "", $0) })
        #expect(Set(byName.keys) == ["central", "clinic-a", "clinic-b"])
        #expect(byName["clinic-a"]?["role"] as? String == "clinic")
        #expect(byName["clinic-a"]?["status"] as? String == "active")
        #expect(byName["clinic-b"]?["key"] as? String == net.keys["clinic-b"])
    }

    @Test("status --json gives the last sync with each peer and the last folder sync")
    func statusGivesLastSyncPerPeer() throws {
        let net = try ReportNetwork.shared.get()
        let temp = try net.copyOfCentral()
        defer { temp.remove() }
        let s = try status(of: temp.path + "/central")
        let peers = try #require(s["peers"] as? [[String: Any]])
        #expect(Set(peers.compactMap { $0["name"] as? String }) == ["clinic-a", "clinic-b"])
        for peer in peers {
            let name = peer["name"] as? String ?? "?"
            let last = try #require(peer["last_sync"] as? String, "no last_sync for \(name)")
            #expect(peer["last_bundle"] as? String == last)
            #expect(peer["last_arrival"] as? String != nil)
            #expect((peer["entries_arrived"] as? Int ?? 0) > 0)
        }
        let lastSync = try #require(s["last_sync"] as? [String: Any])
        #expect(lastSync["transport"] as? String == "folder")
        #expect((lastSync["peer"] as? String)?.hasSuffix("/stick") == true)
        let syncs = try #require(s["syncs"] as? [[String: Any]])
        #expect(syncs.count == 3)
        #expect(syncs.first { ($0["peer"] as? String)?.hasSuffix("/stick") == true }?["runs"] as? Int == 4)
    }

    @Test("status --json counts entries, quarantine, forks, open conflicts and shows the last verify")
    func statusCountsIncidentsAndLastVerify() throws {
        let net = try ReportNetwork.shared.get()
        let temp = try net.copyOfCentral()
        defer { temp.remove() }
        let dir = temp.path + "/central"
        let s = try status(of: dir)
        let stats = try ReportCLI.run(["stats", "--dir", dir, "--json"]).object()
        #expect(s["entries"] as? Int == stats["entries"] as? Int)
        #expect((s["entries"] as? Int ?? 0) > 10)
        #expect(s["quarantined"] as? Int == stats["quarantined"] as? Int)
        #expect((s["quarantined"] as? Int ?? 0) >= 1)
        #expect(s["forks"] as? Int == 1)
        #expect(s["open_conflicts"] as? Int == 1)
        #expect(s["conflicts"] as? [String] == [net.openConsent])
        let verify = try #require(s["last_verify"] as? [String: Any])
        #expect(verify["ok"] as? Bool == true)
        #expect(verify["faults"] as? Int == 0)
        #expect(verify["entries"] as? Int == s["entries"] as? Int)
    }

    @Test("a new site's status has no sync, no verify and no conflicts")
    func newSiteStatusIsEmpty() throws {
        let temp = try TemporaryDirectory(prefix: "careledger-status-new")
        defer { temp.remove() }
        try ReportCLI.run(["network", "create", "--dir", temp.path + "/site", "--site", "alone", "--name", "New", "--json"])
        let s = try status(of: temp.path + "/site")
        #expect(s["last_verify"] == nil || s["last_verify"] is NSNull)
        #expect(s["last_sync"] == nil || s["last_sync"] is NSNull)
        #expect(s["open_conflicts"] as? Int == 0)
        #expect(s["entries"] as? Int == 1)
        #expect((s["members"] as? [[String: Any]])?.count == 1)
        #expect((s["peers"] as? [Any])?.isEmpty == true)
    }

    @Test("status of a folder that holds no site exits 3 with one line naming it")
    func statusOfMissingSiteExitsThree() throws {
        let temp = try TemporaryDirectory(prefix: "careledger-status-none")
        defer { temp.remove() }
        let run = try ReportCLI.run(["status", "--dir", temp.path + "/nothing", "--json"], expect: 3)
        // A failing --json command prints only the JSON error object on stdout (README, exit codes).
        #expect(run.stdout.hasPrefix("{\"error\":{") && run.stdout.contains("\"exit\":3"), "\(run.stdout)")
        #expect(run.stdout.split(separator: "\n").count == 1)
        #expect(run.stderr.contains(temp.path + "/nothing"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test("a sync this site served counts as its last sync with that peer, as does one it ran",
          .enabled(if: CLI.binary != nil))
    func servedSyncUpdatesTheServersLastSync() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try TCPSyncTests.network(cli, sites: ["clinic-a", "clinic-b"], admitted: ["clinic-a", "clinic-b"])
        try TCPSyncTests.append(cli, site: "clinic-a", count: 5)
        let server = try TCPSyncTests.Server(cli: cli, site: "central")
        _ = try cli.json(["sync", "--dir", "clinic-a", "--peer", "127.0.0.1:\(server.port)"])
        server.stop()

        let central = try cli.json(["status", "--dir", "central"])
        let peers = try #require(central["peers"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: peers.map { ($0["name"] as? String ?? "", $0) })
        let served = try #require(byName["clinic-a"])
        let last = try #require(served["last_tcp_sync"] as? String, "the served sync is a TCP sync with clinic-a: \(served)")
        #expect(served["last_sync"] as? String == last, "\(served)")
        #expect(byName["clinic-b"]?["last_sync"] == nil || byName["clinic-b"]?["last_sync"] is NSNull,
                "clinic-b never synced: \(String(describing: byName["clinic-b"]))")
        let lastSync = try #require(central["last_sync"] as? [String: Any])
        #expect(lastSync["transport"] as? String == "tcp-served" && lastSync["peer"] as? String == "clinic-a", "\(lastSync)")

        let client = try cli.json(["status", "--dir", "clinic-a"])
        let clientPeers = try #require(client["peers"] as? [[String: Any]])
        let centralRow = try #require(clientPeers.first { $0["name"] as? String == "central" })
        #expect(centralRow["last_tcp_sync"] as? String != nil, "the sync clinic-a ran still counts: \(centralRow)")
    }
}
