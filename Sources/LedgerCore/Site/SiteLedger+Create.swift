import Crypto
import Foundation
import LedgerPrimitives
import LedgerStorage
import Logging

extension SiteLedger {
    /// The entry kinds the charter owns.
    public enum CharterKind {
        /// Founds a network.
        public static let genesis = "charter.genesis"
        /// Admits a site's keys.
        public static let admit = "charter.admit"
        /// Revokes a key from a stated time on.
        public static let revoke = "charter.revoke"
        /// Approves a pending admission or revocation (Specs/charter.md §5).
        public static let approve = "charter.approve"
        /// Changes a network setting the genesis founded it with, under the quorum (Specs/charter.md §7).
        public static let amend = "charter.amend"
    }

    /// The kind of the entry in which a site states its own key-agreement key.
    public static let profileKind = "site.profile"

    /// Writes the genesis file for joiners (mode 0600: it holds the pseudonym key).
    public func writeGenesis(to path: String) throws {
        try JSONFiles.write(genesis, to: path, permissions: 0o600, files: files)
    }

    /// Creates a site that founds a new network: its key becomes the first governance key
    /// and its first entry is the genesis charter entry.
    ///
    /// - Parameter fileSystem: the seam every file of the site is written through (the real
    ///   POSIX one by default; tests pass a fault-injecting or recording double).
    /// - Parameter quorum: how many distinct governance sites must approve a charter change
    ///   (Specs/charter.md §5); 1, the default, lets one governance site decide alone.
    /// - Parameter witnesses: the network's default for `sync --mirror --witnesses` (0: none; Specs/static-log.md §8.5).
    /// - Throws: `CoreError` `.alreadyExists` when the folder already holds a site.
    public static func foundNetwork(
        at directory: String, siteName: String, networkName: String,
        conflictRule: ConflictRule = .denyOverrides, optOut: Bool = false, quorum: Int = 1, witnesses: Int = 0,
        logger: Logger = Logger(label: "careledger.site"), fileSystem: any FileSystem = POSIXFileSystem()
    ) throws -> SiteLedger {
        let layout = SiteLayout(root: directory)
        let files = FileIO(fileSystem)
        try prepareEmptyFolder(layout, files: files)
        let keys = SiteKeys.generate()
        let payload = GenesisPayload(
            networkName: networkName, founderName: siteName, founderKey: keys.signingPublicKey,
            founderAgreementKey: keys.agreementPublicKey, conflictRule: conflictRule, optOut: optOut,
            created: RFC3339.string(from: Date()), quorum: quorum, witnesses: witnesses)
        let networkID = try NetworkCharter.networkID(of: payload)
        var clock = HybridClock()
        let content = try EntryContent(
            networkID: networkID, author: keys.signingPublicKey, sequence: 0, links: [],
            timestamp: clock.now(), kind: CharterKind.genesis, payload: try CanonicalJSON.encode(payload))
        let genesisEntry = try Entry.sign(content, with: keys)
        var pseudonymKey = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in pseudonymKey.indices { pseudonymKey[i] = UInt8.random(in: 0...255, using: &rng) }
        let genesis = GenesisFile(networkID: networkID, genesisEntry: Hex.encode(genesisEntry.encoded),
                                  pseudonymKey: Hex.encode(pseudonymKey))
        try writeSiteFiles(layout, keys: keys, genesis: genesis, name: siteName, role: .governance, networkID: networkID, files: files)
        let ledger = try open(at: directory, logger: logger, fileSystem: fileSystem)
        _ = try ledger.ingest([genesisEntry.encoded])
        try ledger.signTreeHead()
        return ledger
    }

    /// Creates a site that will join the network whose genesis file is at `genesisPath`.
    ///
    /// The site holds the genesis entry from the start; it becomes a trusted member at other
    /// sites once a governance site admits its key (`members admit`).
    /// - Parameter fileSystem: the seam every file of the site is read and written through.
    public static func join(
        at directory: String, siteName: String, role: MemberRole, genesisPath: String,
        logger: Logger = Logger(label: "careledger.site"), fileSystem: any FileSystem = POSIXFileSystem()
    ) throws -> SiteLedger {
        let files = FileIO(fileSystem)
        let genesis = try JSONFiles.read(GenesisFile.self, from: genesisPath, files: files)
        let entry = try decodeGenesis(genesis, path: genesisPath)
        let layout = SiteLayout(root: directory)
        try prepareEmptyFolder(layout, files: files)
        let keys = SiteKeys.generate()
        try writeSiteFiles(layout, keys: keys, genesis: genesis, name: siteName, role: role, networkID: genesis.networkID, files: files)
        let ledger = try open(at: directory, logger: logger, fileSystem: fileSystem)
        _ = try ledger.ingest([entry.encoded])
        let profile = SiteProfilePayload(agreementKey: keys.agreementPublicKey, name: siteName)
        try ledger.append(kind: profileKind, payloads: [try CanonicalJSON.encode(profile)])
        return ledger
    }

    /// Opens an existing site: takes the folder's lock, recovers the logs and rebuilds the
    /// derived state (chains, charter, quarantine, Merkle catch-up).
    ///
    /// - Parameter fileSystem: the seam every file of the site is read and written through
    ///   (the real POSIX one by default; Specs/site-layout.md §7).
    /// - Throws: `CoreError` `.notASite` when the folder holds no site, `.locked` when another
    ///   process has it open, `.malformedFile` when its files are damaged.
    /// - Parameter lockTimeout: how long to wait for a writer that holds the folder (the
    ///   `--wait` of the commands) before failing with `.locked` naming the holder.
    /// - Parameter derivedState: opens the site's derived-state database (Specs/site-layout.md §9);
    ///   with it the open reads the database's summary and only the log's unindexed tail,
    ///   and every commit updates it. Without it the whole log is replayed.
    public static func open(
        at directory: String, logger: Logger = Logger(label: "careledger.site"), lockTimeout: Duration = .milliseconds(250),
        fileSystem: any FileSystem = POSIXFileSystem(), derivedState: DerivedStateIndexOpener? = nil
    ) throws -> SiteLedger {
        try open(at: directory, logger: logger, mode: .write(lockTimeout: lockTimeout), fileSystem: fileSystem, derivedState: derivedState)
    }

    static func decodeGenesis(_ genesis: GenesisFile, path: String) throws -> Entry {
        guard let bytes = Hex.decode(genesis.genesisEntry) else {
            throw CoreError(.malformedFile, "\(path): genesis_entry is not hex", file: path)
        }
        let entry = try Entry.decode(bytes)
        let payload = try CanonicalJSON.decode(GenesisPayload.self, from: entry.payload)
        guard entry.kind == CharterKind.genesis, entry.isSignatureValid(),
              entry.author == payload.founderKey,
              try NetworkCharter.networkID(of: payload) == genesis.networkID,
              entry.networkID == genesis.networkID else {
            throw CoreError(.malformedFile, "\(path) does not hold a valid signed genesis entry for network \(genesis.networkID.hex)", file: path)
        }
        return entry
    }

    private static func prepareEmptyFolder(_ layout: SiteLayout, files: FileIO) throws {
        if files.exists(layout.metadata) {
            throw CoreError(.alreadyExists, "\(layout.root) already holds a CareLedger site; choose another --dir", file: layout.root)
        }
        do {
            try files.makeDirectory(layout.root)
        } catch {
            throw CoreError(.io, "cannot create \(layout.root)", file: layout.root, underlying: error)
        }
    }

    private static func writeSiteFiles(_ layout: SiteLayout, keys: SiteKeys, genesis: GenesisFile, name: String,
                                       role: MemberRole, networkID: Hash32, files: FileIO) throws {
        try keys.save(to: layout.keyFile, fileSystem: files.fileSystem)
        try JSONFiles.write(genesis, to: layout.genesis, permissions: 0o600, files: files)
        let metadata = SiteMetadata(formatVersion: SiteMetadata.currentFormatVersion, name: name, role: role,
                                    networkID: networkID, siteKey: keys.signingPublicKey,
                                    agreementKey: keys.agreementPublicKey)
        // site.json last: its presence marks a complete site.
        try JSONFiles.write(metadata, to: layout.metadata, files: files)
    }
}
