import Foundation
import LedgerCore
import TestSupport
import Testing

/// Builds small networks of sites in a temporary folder for the site-ledger tests.
///
/// A `SiteLedger` holds its folder's lock until it is deallocated, so helpers that must
/// "close" a site take a closure and let the ledger go out of scope before returning.
struct TestNetwork {
    /// The temporary folder holding every site of the network.
    let root: TemporaryDirectory
    /// The founder's data folder (a governance site).
    let founderPath: String
    /// The genesis file joiners read.
    let genesisPath: String

    /// Founds a network called `name` in a fresh temporary folder.
    init(name: String = "test-net") throws {
        root = try TemporaryDirectory(prefix: "site-ledger")
        founderPath = root.path + "/founder"
        genesisPath = root.path + "/genesis.json"
        let founder = try SiteLedger.foundNetwork(at: founderPath, siteName: "founder", networkName: name)
        try founder.writeGenesis(to: genesisPath)
    }

    /// Opens the founder's ledger.
    func founder() throws -> SiteLedger { try SiteLedger.open(at: founderPath) }

    /// Creates a site that joins this network and returns its folder.
    @discardableResult
    func join(_ name: String, role: MemberRole = .clinic) throws -> String {
        let path = root.path + "/" + name
        _ = try SiteLedger.join(at: path, siteName: name, role: role, genesisPath: genesisPath)
        return path
    }

    /// Removes the network's folder.
    func remove() { root.remove() }
}

/// Payloads and folder snapshots shared by the tests.
enum Ledgers {
    /// `count` small JSON payloads, distinct per `tag`.
    static func payloads(_ count: Int, tag: String) -> [[UInt8]] {
        (0..<count).map { Array("{\"n\":\($0),\"tag\":\"\(tag)\"}".utf8) }
    }

    /// The site's key pair, read from its key file (tests re-sign entries with it).
    static func keys(of path: String) throws -> SiteKeys {
        try SiteKeys.load(from: SiteLayout(root: path).keyFile)
    }

    /// Every trusted entry's encoding in log order.
    static func encodings(_ ledger: SiteLedger) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try ledger.forEachEntry { _, entry in out.append(entry.encoded) }
        return out
    }

    /// Every file under `path` with its bytes (relative path → contents).
    static func snapshot(_ path: String) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return out }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = path + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            out[relative] = FileManager.default.contents(atPath: full) ?? Data()
        }
        return out
    }

    /// Copies a whole folder (the site must be closed).
    static func copyFolder(_ source: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }
}
