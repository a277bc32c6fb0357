import Foundation
import Testing

/// One key admits a site (Specs/sync-transport.md §4.4): `members admit --key` alone lets a
/// site sync over TCP at once; unknown and revoked keys are refused with exit 4 and a
/// message naming the key and the command that admits it.
@Suite("Admission by one key over TCP", .serialized)
struct KeyAdmissionTests {
    /// Central plus `sites`; those in `admitted` admitted by their site key only.
    static func network(_ cli: CLI, sites: [String], admitted: Set<String>) throws {
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net"])
        try cli.run(["network", "genesis", "--dir", "central", "--out", "genesis.json"])
        for site in sites {
            try cli.run(["init", "--dir", site, "--site", site, "--genesis", "genesis.json"])
            guard admitted.contains(site) else { continue }
            try cli.run(["members", "admit", "--dir", "central", "--key", try key(cli, site), "--name", site, "--role", "clinic"])
        }
    }

    static func key(_ cli: CLI, _ site: String) throws -> String {
        try #require(try cli.json(["identity", "--dir", site])["site_key"] as? String)
    }

    @Test("a site admitted with members admit --key only syncs over TCP at once, and each side keeps the other's signed tree head")
    func keyOnlyAdmissionSyncs() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.network(cli, sites: ["c1"], admitted: ["c1"])
        try TCPSyncTests.append(cli, site: "c1", count: 20)
        let server = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { server.stop() }
        let run = try cli.run(["sync", "--dir", "c1", "--peer", "127.0.0.1:\(server.port)", "--json"])
        #expect(run.status == 0, "\(run)")
        #expect(try run.json()["sent"] as? Int ?? 0 >= 20, "\(run)")
        server.stop()
        let c1 = try Self.key(cli, "c1"), central = try Self.key(cli, "central")
        #expect(FileManager.default.fileExists(atPath: cli.path("central/peers/\(c1).head")), "central keeps c1's head from the handshake")
        #expect(FileManager.default.fileExists(atPath: cli.path("c1/peers/\(central).head")), "c1 keeps central's head from the handshake")
        #expect(try TCPSyncTests.summaryRoot(cli, "c1") == TCPSyncTests.summaryRoot(cli, "central"))
    }

    @Test("an unknown key and a revoked key are refused with exit 4, the message naming the key and the command that admits it")
    func unknownAndRevokedNameTheKey() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try Self.network(cli, sites: ["stranger", "revoked"], admitted: ["revoked"])
        try cli.run(["members", "revoke", "--dir", "central", "--key", try Self.key(cli, "revoked"), "--reason", "laptop stolen"])
        let server = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { server.stop() }
        for site in ["stranger", "revoked"] {
            let key = try Self.key(cli, site)
            let run = try cli.run(["sync", "--dir", site, "--peer", "127.0.0.1:\(server.port)"])
            #expect(run.status == 4, "\(site): \(run)")
            #expect(run.stderr.contains(key) && run.stderr.contains("members admit --key \(key)"), "\(site): \(run)")
            #expect(!server.logLines(containing: key).isEmpty, "the server's log names \(site)'s key")
        }
        server.stop()
        #expect(server.logLines(containing: "is not a member of this network").count == 1)
        #expect(server.logLines(containing: "was revoked").count == 1)
    }
}
