import Foundation
import Testing

/// `network create --quorum 2`, `members admit` as a proposal, `members proposals`,
/// `members approve` and its refusals, end to end with the built binary (Specs/charter.md §5).
@Suite("Governance by quorum from the command line", .serialized)
struct QuorumCLITests {
    /// One stick pass at each of `sites`, in order.
    static func stick(_ cli: CLI, _ sites: [String]) throws {
        for site in sites {
            let run = try cli.run(["sync", "--dir", site, "--folder", "stick"])
            #expect(run.status == 0, "\(site): \(run)")
        }
    }

    @Test("with --quorum 2 an admission waits for a second governance site: proposals lists it, TCP is refused naming it, approve admits it")
    func admissionWaitsForTheQuorum() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try FileManager.default.createDirectory(atPath: cli.path("stick"), withIntermediateDirectories: true)
        try cli.run(["network", "create", "--dir", "central", "--site", "central", "--name", "Net", "--quorum", "2"])
        try cli.run(["network", "genesis", "--dir", "central", "--out", "genesis.json"])
        for site in ["board", "c1"] { try cli.run(["init", "--dir", site, "--site", site, "--genesis", "genesis.json"]) }
        let board = try KeyAdmissionTests.key(cli, "board"), c1 = try KeyAdmissionTests.key(cli, "c1")
        let seated = try cli.json(["members", "admit", "--dir", "central", "--key", board, "--name", "board", "--role", "governance", "--json"])
        #expect(seated["in_effect"] as? Bool == true, "the founder seats the first governance site alone: \(seated)")
        try Self.stick(cli, ["board", "central", "board"])

        let proposed = try cli.run(["members", "admit", "--dir", "central", "--key", c1, "--name", "c1", "--role", "clinic"])
        #expect(proposed.status == 0 && proposed.stdout.contains("1 of 2 governance approvals"), "\(proposed)")
        let listed = try cli.json(["members", "proposals", "--dir", "central", "--json"])
        let rows = try #require(listed["proposals"] as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?["action"] as? String == "admit" && rows.first?["key"] as? String == c1, "\(listed)")
        let proposal = try #require(rows.first?["proposal"] as? String)
        #expect(try cli.run(["members", "approve", "--dir", "central", proposal]).status == 2, "the proposer's second approval is refused")

        try TCPSyncTests.append(cli, site: "c1", count: 5)
        let server = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { server.stop() }
        let refused = try cli.run(["sync", "--dir", "c1", "--peer", "127.0.0.1:\(server.port)"])
        #expect(refused.status == 4, "\(refused)")
        #expect(server.logLines(containing: "members approve \(proposal)").count == 1, "the server names the approving command")
        server.stop()

        try Self.stick(cli, ["central", "board"])
        #expect(try cli.run(["members", "approve", "--dir", "c1", proposal]).status == 2, "a clinic cannot approve")
        let approved = try cli.run(["members", "approve", "--dir", "board", proposal])
        #expect(approved.status == 0 && approved.stdout.contains("in effect"), "\(approved)")
        #expect(try cli.run(["members", "approve", "--dir", "board", proposal]).status == 2, "a proposal in effect is not approved again")
        try Self.stick(cli, ["board", "central"])
        let members = try #require(try cli.json(["members", "list", "--dir", "central", "--json"])["members"] as? [[String: Any]])
        #expect(members.contains { $0["key"] as? String == c1 && $0["role"] as? String == "clinic" }, "\(members)")
        #expect(try #require(try cli.json(["members", "proposals", "--dir", "central", "--json"])["proposals"] as? [Any]).isEmpty)

        let again = try TCPSyncTests.Server(cli: cli, site: "central")
        defer { again.stop() }
        let synced = try cli.run(["sync", "--dir", "c1", "--peer", "127.0.0.1:\(again.port)"])
        #expect(synced.status == 0, "\(synced)")
    }
}
