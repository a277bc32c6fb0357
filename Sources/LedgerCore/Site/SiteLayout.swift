/// Where each part of a site's data lives inside its data folder (Specs/site-layout.md).
public struct SiteLayout: Sendable {
    /// The data folder itself.
    public let root: String

    /// Creates the layout of the folder at `root`.
    public init(root: String) { self.root = root }

    /// Public identity: name, role, network id, public keys (`site.json`).
    public var metadata: String { root + "/site.json" }
    /// The site's private keys (signing and key agreement), mode 0600.
    public var keyFile: String { root + "/site.key" }
    /// The network's genesis entry and pseudonym key, mode 0600.
    public var genesis: String { root + "/genesis.json" }
    /// The segment log of trusted entries.
    public var log: String { root + "/log" }
    /// The segment log of quarantined entries.
    public var quarantine: String { root + "/quarantine" }
    /// What was dropped from the quarantine to stay within its quota (Specs/site-layout.md §4.1).
    public var quarantineDropped: String { root + "/quarantine.dropped" }
    /// The Merkle node store.
    public var merkle: String { root + "/merkle" }
    /// The append-only file of signed tree heads.
    public var heads: String { root + "/heads.log" }
    /// Last known summaries and sync history of peers.
    public var peers: String { root + "/peers" }
    /// The newest signed tree head held from `peer` (`peers/<key>.head`, Specs/site-layout.md §6).
    public func peerTreeHead(_ peer: Hash32) -> String { peers + "/\(peer.hex).head" }
    /// The last summary received from `peer` (`peers/<key>.summary`, Specs/site-layout.md §6).
    public func peerSummary(_ peer: Hash32) -> String { peers + "/\(peer.hex).summary" }
    /// The running `serve`'s control socket, through which other processes write (Specs/site-layout.md §8).
    public var controlSocket: String { root + "/control.sock" }
    /// The derived-state database, an SQLite cache of what the log implies, with its `-wal`
    /// and `-shm` files beside it (Specs/site-layout.md §9).
    public var index: String { root + "/index.sqlite" }
    /// Operational history (verify runs, fork evidence) that `status` and `report` read.
    public var history: String { root + "/history" }
}
