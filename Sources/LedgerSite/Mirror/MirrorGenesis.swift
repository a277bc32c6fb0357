import LedgerCore

/// The network genesis a published log starts with, for an auditor with no site
/// (Specs/static-log.md §11.6): every site's log begins with the network's `charter.genesis`
/// entry (founding and joining both ingest it first), so leaf 0 of a checkpoint's tree is it,
/// and the genesis states the network's `witnesses` default (Specs/charter.md §2).
public enum MirrorGenesis {
    /// The genesis at leaf 0 of the log `source` serves under `key`: the checkpoint's
    /// signature and tiles, the first bundle's leaf 0 against its tile, then the entry itself —
    /// kind `charter.genesis`, signed by the founder it names, of the network its payload
    /// hashes to — and, for a log under a default origin (`careledger.invalid/<network id>/…`,
    /// §4.1), that network id is the origin's.
    /// - Throws: `SiteError` `.mirrorInvalid` when any of that does not hold or the log is empty,
    ///   `.mirrorUnreachable` when a file cannot be read.
    public static func read(_ source: any StaticLogSource, key: NoteVerifierKey) throws -> GenesisPayload {
        let note = try MirrorCheckpoint.fetchNote(from: source)
        var (checkpoint, tree) = try MirrorCheckpoint.open(note, key: key, source: source)
        guard let first = MirrorSync.needed(from: 0, to: checkpoint.treeSize).first else {
            throw SiteError(.mirrorInvalid, "\(source.location): the log is empty; it holds no genesis")
        }
        let bundle = try MirrorBundle.fetch(first, from: source, spooled: nil, checkEntries: true)
        try bundle.check(against: &tree)
        func invalid(_ why: String) -> SiteError { SiteError(.mirrorInvalid, "\(source.location): leaf 0 \(why)") }
        guard bundle.badEntry?.index != 0, let bytes = bundle.entries.first, let entry = try? Entry.decode(bytes) else {
            throw invalid("does not decode as a signed entry")
        }
        guard entry.kind == SiteLedger.CharterKind.genesis, let payload = try? CanonicalJSON.decode(GenesisPayload.self, from: entry.payload) else {
            throw invalid("is not a charter.genesis entry")
        }
        let networkID = try NetworkCharter.networkID(of: payload)
        guard entry.isSignatureValid(), entry.author == payload.founderKey, entry.networkID == networkID else {
            throw invalid("is not a genesis signed by the founder it names for the network it describes")
        }
        // Any origin in the default namespace must be a well-formed default origin of this network.
        if checkpoint.origin.hasPrefix(LogOrigin.prefix), LogOrigin(checkpoint.origin)?.networkID != networkID {
            throw invalid("is the genesis of network \(networkID.hex), not the network the origin \(checkpoint.origin) names")
        }
        return payload
    }
}
