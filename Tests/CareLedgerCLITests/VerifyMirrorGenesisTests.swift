import Foundation
import LedgerCore
import LedgerSite
import Testing

/// `verify --mirror` applies the genesis's `witnesses` default unless `--witnesses` is given
/// (Specs/static-log.md §11.6), with the built binary.
@Suite("verify --mirror and the network's witnesses default, with the built binary")
struct VerifyMirrorGenesisTests {
    @Test("on a network founded with --witnesses 2, verify --mirror without --witnesses requires 2 witness keys (exit 2), refuses the unwitnessed checkpoint given them (exit 1), and checks it with --witnesses 0")
    func genesisDefaultApplies() throws {
        let cli = try CLI()
        defer { cli.remove() }
        _ = try cli.json(["network", "create", "--dir", "central", "--site", "central", "--name", "net", "--witnesses", "2"])
        try TCPSyncTests.append(cli, site: "central", count: 3)
        let published = try cli.json(["publish", "--dir", "central", "--to", "pub"])
        let key = try #require(published["verifier_key"] as? String)

        let noKeys = try cli.run(["verify", "--mirror", "pub", "--log-key", key])
        #expect(noKeys.status == 2 && noKeys.stderr.contains("genesis requires 2"), "\(noKeys)")
        let explicit = try cli.json(["verify", "--mirror", "pub", "--log-key", key, "--witnesses", "0"])
        #expect(explicit["tree_size"] as? Int == published["tree_size"] as? Int, "\(explicit)")
        // Two well-formed cosigner keys that never cosigned: the default of 2 is applied, so the checkpoint is unwitnessed.
        let witnessKeys = try [(name: "w1.example", byte: UInt8(1)), (name: "w2.example", byte: UInt8(2))].map { witness in
            Cosignature.verifierKey(name: witness.name, publicKey: try #require(Hash32(bytes: [UInt8](repeating: witness.byte, count: 32))))
        }
        let unwitnessed = try cli.run(["verify", "--mirror", "pub", "--log-key", key, "--json"] + witnessKeys.flatMap { ["--witness-key", $0] })
        #expect(unwitnessed.status == 1 && unwitnessed.stdout.contains("checkpoint_unwitnessed"), "\(unwitnessed)")
    }
}
