import Foundation
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// `verify --mirror` reads the network's genesis from leaf 0 of the published log
/// (Specs/static-log.md §11.6): issue 19's charter default for an auditor with no site.
@Suite("The genesis of a published log")
struct MirrorGenesisTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("the genesis read from leaf 0 of a member's published log is its network's, with the witnesses default; under another key, or a forged log's leaf 0, it is refused")
    func genesisFromLeafZero() throws {
        let folder = try TemporaryDirectory(prefix: "careledger-mirror-genesis")
        defer { folder.remove() }
        let central = try SiteLedger.foundNetwork(at: folder.path + "/central", siteName: "central", networkName: "net", witnesses: 2, logger: Self.quiet)
        try central.writeGenesis(to: folder.path + "/genesis.json")
        let clinic = try SiteLedger.join(at: folder.path + "/clinic", siteName: "clinic", role: .clinic,
                                         genesisPath: folder.path + "/genesis.json", logger: Self.quiet)
        _ = try clinic.append(kind: "anchor", payloads: (0..<300).map { Array("{\"n\":\($0)}".utf8) })
        // A joined clinic's log starts with the genesis too.
        for site in [central, clinic] {
            let out = folder.path + "/pub-\(site.siteKey.hex.prefix(8))"
            _ = try StaticLogPublisher.publish(site, to: out)
            let genesis = try MirrorGenesis.read(FolderLogSource(directory: out), key: StaticLogWitnessTests.key(of: site))
            #expect(genesis.witnesses == 2 && genesis.founderKey == central.siteKey)
            #expect(try NetworkCharter.networkID(of: genesis) == central.networkID)
        }
        let out = folder.path + "/pub-\(clinic.siteKey.hex.prefix(8))"
        let wrongKey = #expect(throws: SiteError.self) {
            try MirrorGenesis.read(FolderLogSource(directory: out), key: StaticLogWitnessTests.key(of: central))
        }
        #expect(wrongKey?.code == .mirrorInvalid)

        // A log whose leaf 0 is not a genesis (a forged tree signed by the member's key) is refused.
        let fork = folder.path + "/fork"
        let key = StaticLogWitnessTests.key(of: clinic)
        let forged = try StaticLogWitnessTests.forge(size: 10, into: fork, origin: key.name, key: clinic.signingKeyForBundles)
        try Data(forged).write(to: URL(fileURLWithPath: fork + "/checkpoint"))
        try FileManager.default.createDirectory(atPath: fork + "/tile/entries", withIntermediateDirectories: true)
        var bundle: [UInt8] = []
        for i in 0..<10 {
            let leaf = Array("forked-\(i)".utf8)
            bundle += [UInt8(leaf.count >> 8), UInt8(leaf.count & 0xff)] + leaf
        }
        try Data(bundle).write(to: URL(fileURLWithPath: fork + "/tile/entries/000.p/10"))
        let notGenesis = #expect(throws: SiteError.self) { try MirrorGenesis.read(FolderLogSource(directory: fork), key: key) }
        #expect(notGenesis?.code == .mirrorInvalid, "\(String(describing: notGenesis))")
    }
}
