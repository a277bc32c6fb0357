import Foundation
import Testing

/// `network create`, `network genesis`, `init`, `identity`, `members admit|revoke|list`:
/// the contract's `--json` fields, key file modes and `CARELEDGER_DIR`.
@Suite("Site and network commands")
struct SiteCommandTests {
    /// Mode bits of a file.
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777
    }

    @Test("network create, genesis and init print the contract's fields and share one network id")
    func createGenesisAndInit() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let created = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        Contract.expectKeys(created, ["network_id", "site_id", "site_key"], "network create")
        Contract.expectHex(created["network_id"], bytes: 32, "network_id")
        Contract.expectHex(created["site_key"], bytes: 32, "site_key")

        let genesis = try cli.json(["network", "genesis", "--dir", "hq", "--out", "genesis.json"])
        Contract.expectKeys(genesis, ["network_id"], "network genesis")
        #expect(genesis["network_id"] as? String == created["network_id"] as? String)

        let joined = try cli.json(["init", "--dir", "clinic", "--site", "clinic-a", "--genesis", "genesis.json", "--role", "clinic"])
        Contract.expectKeys(joined, ["site_id", "site_key", "network_id"], "init")
        #expect(joined["network_id"] as? String == created["network_id"] as? String)
        #expect(joined["site_key"] as? String != created["site_key"] as? String)

        for file in ["hq/site.key", "clinic/site.key", "genesis.json", "hq/genesis.json", "clinic/genesis.json"] {
            #expect(try Self.mode(cli.path(file)) == 0o600, "\(file) holds a secret: mode 0600")
        }
    }

    @Test("one-character, nested and slash-ended --dir paths create sites (no trap in path splitting)",
          arguments: ["c", "a/b/c", "d/", "e//f/"])
    func unusualDirPaths(_ dir: String) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let created = try cli.run(["network", "create", "--dir", dir, "--site", "hq", "--name", "net", "--json"])
        #expect(created.status == 0, "network create --dir \(dir): \(created.stderr)")
        #expect(try cli.run(["verify", "--dir", dir]).status == 0)
    }

    @Test("identity names the site, its role and network; the private key never appears in any output")
    func identity() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let created = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        let identity = try cli.json(["identity", "--dir", "hq"])
        Contract.expectKeys(identity, ["site_id", "site_key", "name", "role", "network_id"], "identity")
        #expect(identity["name"] as? String == "hq")
        #expect(identity["role"] as? String == "governance")
        #expect(identity["network_id"] as? String == created["network_id"] as? String)
        let keyFile = try String(contentsOfFile: cli.path("hq/site.key"), encoding: .utf8)
        let secrets = keyFile.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(secrets.count == 2)
        let human = try cli.run(["identity", "--dir", "hq"])
        for secret in secrets {
            #expect(!human.stdout.contains(secret) && !(identity.description.contains(secret)), "a private key was printed")
        }
    }

    @Test("CARELEDGER_DIR names the data folder when --dir is absent")
    func environmentNamesTheFolder() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let environment = ["CARELEDGER_DIR": cli.path("from-env")]
        let created = try cli.json(["network", "create", "--site", "hq", "--name", "net"], environment: environment)
        #expect(FileManager.default.fileExists(atPath: cli.path("from-env/site.json")))
        let identity = try cli.json(["identity"], environment: environment)
        #expect(identity["site_key"] as? String == created["site_key"] as? String)
        // Without it, the default ./careledger-data is used (and holds no site here).
        let missing = try cli.run(["identity"])
        #expect(missing.status == 3, "\(missing)")
    }

    @Test("members admit, revoke and list: entry ids, roles and statuses")
    func membersAdmitRevokeList() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        _ = try cli.json(["network", "genesis", "--dir", "hq", "--out", "genesis.json"])
        let clinic = try cli.json(["init", "--dir", "clinic", "--site", "clinic-a", "--genesis", "genesis.json"])
        let key = try #require(clinic["site_key"] as? String)

        let admitted = try cli.json(["members", "admit", "--dir", "hq", "--key", key, "--name", "clinic-a", "--role", "clinic"])
        Contract.expectKeys(admitted, ["entry_id"], "members admit")
        Contract.expectHex(admitted["entry_id"], bytes: 32, "entry_id")

        var list = try cli.json(["members", "list", "--dir", "hq"])
        var members = try #require(list["members"] as? [[String: Any]])
        #expect(members.count == 2)
        for member in members { Contract.expectKeys(member, ["name", "key", "role", "status"], "members list row") }
        var row = try #require(members.first { $0["key"] as? String == key })
        #expect(row["name"] as? String == "clinic-a" && row["role"] as? String == "clinic" && row["status"] as? String == "active")

        let revoked = try cli.json(["members", "revoke", "--dir", "hq", "--key", key, "--reason", "laptop lost"])
        Contract.expectKeys(revoked, ["entry_id"], "members revoke")
        #expect(revoked["entry_id"] as? String != admitted["entry_id"] as? String)
        list = try cli.json(["members", "list", "--dir", "hq"])
        members = try #require(list["members"] as? [[String: Any]])
        row = try #require(members.first { $0["key"] as? String == key })
        #expect(row["status"] as? String == "revoked")

        // A site that is not governance may not admit; an unknown key cannot be revoked.
        let refused = try cli.run(["members", "admit", "--dir", "clinic", "--key", key, "--name", "x", "--role", "clinic"])
        #expect(refused.status != 0, "\(refused)")
        Contract.expectOneErrorLine(refused)
        let unknown = try cli.run(["members", "revoke", "--dir", "hq", "--key", String(repeating: "ab", count: 32), "--reason", "x"])
        #expect(unknown.status == 2, "\(unknown)")
        Contract.expectOneErrorLine(unknown)
    }

    @Test("creating a site where one exists fails with one line and leaves it untouched")
    func createTwiceFails() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let first = try cli.json(["network", "create", "--dir", "hq", "--site", "hq", "--name", "net"])
        let again = try cli.run(["network", "create", "--dir", "hq", "--site", "hq2", "--name", "net2"])
        #expect(again.status == 2, "\(again)")
        Contract.expectOneErrorLine(again)
        #expect(try cli.json(["identity", "--dir", "hq"])["site_key"] as? String == first["site_key"] as? String)
    }
}
