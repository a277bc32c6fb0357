import Foundation
import LedgerCore

/// A checkpoint a mirror served that contradicts what this site already holds of the log:
/// kept in `history/mirror-evidence.jsonl` (Specs/static-log.md §11.5). Both sides are signed
/// by the log's key, so the pair is a proof anyone holding that key can check.
public struct MirrorEvidence: Codable, Sendable, Equatable {
    /// The log's origin.
    public var origin: String
    /// The log's Ed25519 key, hex.
    public var logKey: String
    /// What this site held: a checkpoint (signed note) or, hex, a signed tree head the site sent in sync.
    public var kept: String
    /// `checkpoint` or `signed_tree_head`.
    public var keptKind: String
    /// The checkpoint refused, as received.
    public var refused: String
    /// Why they conflict.
    public var reason: String
}

/// The checks `sync --mirror` makes on a checkpoint before it fetches anything else.
enum MirrorCheckpoint {
    /// The history file of refused checkpoints.
    static let evidenceHistory = "mirror-evidence.jsonl"

    /// The signed note `source` serves as its checkpoint.
    /// - Throws: `SiteError` `.mirrorUnreachable` when there is none.
    static func fetchNote(from source: any StaticLogSource) throws -> [UInt8] {
        guard let note = try source.fetch("checkpoint", limit: SignedNote.maximumBytes) else {
            throw SiteError(.mirrorUnreachable, "\(source.location) has no checkpoint")
        }
        return note
    }

    /// The checkpoint to catch up to and the key that must have signed it: the source's
    /// `checkpoint`, or with `witnesses` > 0 the one ``MirrorWitnesses/select(_:from:requirement:)``
    /// picks with cosignatures of that many distinct members (Specs/static-log.md §8.5).
    /// - Throws: `SiteError` `.mirrorUnreachable`, `.invalidRequest` (no member key fits),
    ///   `.checkpointUnwitnessed` (too few cosignatures, or the witnessed checkpoint is below
    ///   the size already accepted from the log).
    static func fetchNote(from source: any StaticLogSource, ledger: SiteLedger, given: NoteVerifierKey?,
                          witnesses: Int) throws -> ([UInt8], NoteVerifierKey) {
        let latest = try fetchNote(from: source)
        let key = try key(for: latest, in: ledger, given: given)
        guard witnesses > 0 else { return (latest, key) }
        let note = try MirrorWitnesses.select(latest, from: source,
                                              requirement: .members(of: ledger, count: witnesses, except: key.publicKey))
        if note != latest, let accepted = try MirrorFolder(ledger, key: key).progress(),
           let size = try? Checkpoint.open(note, verifiedBy: key).treeSize, size < accepted.treeSize {
            throw SiteError(.checkpointUnwitnessed, "\(source.location): the witnessed checkpoint is at tree size \(size), below the \(accepted.treeSize) already accepted from this log; nothing newer carries \(witnesses) cosignature(s) yet")
        }
        return (note, key)
    }

    /// `note` opened under `key`, its origin the key's name, and the tree of tiles it commits
    /// to, read through `source` (each tile checked up to the root as it is read).
    /// - Throws: `SiteError` `.mirrorInvalid` for a signature, origin or tile that does not fit.
    static func open(_ note: [UInt8], key: NoteVerifierKey, source: any StaticLogSource) throws -> (Checkpoint, TileTree) {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.open(note, verifiedBy: key)
        } catch let error as SiteError {
            throw SiteError(.mirrorInvalid, "\(source.location)/checkpoint: \(error.message)", underlying: error)
        }
        do {
            return (checkpoint, try TileTree(checkpoint: checkpoint, fetch: { try source.fetch($0, limit: StaticLogSources.maximumFileBytes) }))
        } catch let error as SiteError where error.code == .invalidRequest {
            throw SiteError(.mirrorInvalid, error.message, underlying: error)
        }
    }

    /// The key that must have signed `note`: `given`, else the member whose default origin
    /// (`careledger.invalid/<network id>/<site key>`, §4.1) the note's first line is. Either
    /// way the key must be this site's or a member's.
    /// - Throws: `SiteError` `.invalidRequest` when no member's key fits.
    static func key(for note: [UInt8], in ledger: SiteLedger, given: NoteVerifierKey?) throws -> NoteVerifierKey {
        let key: NoteVerifierKey
        if let given {
            key = given
        } else {
            let origin = String(decoding: note.prefix { $0 != 0x0a }, as: UTF8.self)
            guard let parsed = LogOrigin(origin), parsed.networkID == ledger.networkID else {
                throw SiteError(.invalidRequest, "the checkpoint's origin \(origin) does not name a site of this network; pass --log-key with the publishing site's verifier key")
            }
            key = NoteVerifierKey(name: origin, publicKey: parsed.siteKey)
        }
        guard key.publicKey == ledger.siteKey || ledger.charter.members[key.publicKey] != nil else {
            throw SiteError(.invalidRequest, "the log key \(key.publicKey.hex) is not a member of this network; a site catches up from members' logs only")
        }
        return key
    }

    /// Refuses `checkpoint` when it contradicts the last checkpoint accepted from the log
    /// (`previous`) or the signed tree head this site keeps from the publishing peer: a
    /// smaller size than accepted (a rollback) or another root at a size held (a fork).
    /// The conflict is kept as evidence first.
    /// - Throws: `SiteError` `.splitView` (evidence kept), `.mirrorInvalid` (tiles that do not check).
    static func checkConsistency(_ checkpoint: Checkpoint, note: [UInt8], key: NoteVerifierKey, tree: inout sending TileTree,
                                 previous: MirrorProgress?, ledger: SiteLedger) throws {
        func refuse(_ kept: String, _ kind: String, _ reason: String) throws -> Never {
            try ledger.appendHistory(MirrorEvidence(origin: checkpoint.origin, logKey: key.publicKey.hex, kept: kept, keptKind: kind,
                                                    refused: String(decoding: note, as: UTF8.self), reason: reason), to: evidenceHistory)
            throw SiteError(.splitView, "\(checkpoint.origin): \(reason); both are kept in history/\(evidenceHistory) and nothing was fetched or ingested")
        }
        do {
            if let previous {
                if checkpoint.treeSize < previous.treeSize {
                    try refuse(previous.checkpoint, "checkpoint", "tree size \(checkpoint.treeSize) is below the \(previous.treeSize) already accepted from this log (a rollback)")
                }
                if try tree.root(atSize: previous.treeSize).hex != previous.rootHash {
                    try refuse(previous.checkpoint, "checkpoint", "its tiles give another root at the accepted size \(previous.treeSize) (a fork)")
                }
            }
            if let head = try ledger.peerTreeHead(of: key.publicKey)?.head, head.treeSize <= checkpoint.treeSize,
               try tree.root(atSize: head.treeSize) != head.rootHash {
                try refuse(Data(head.encoded).map { String(format: "%02x", $0) }.joined(), "signed_tree_head",
                           "its tiles give another root at size \(head.treeSize) than the signed tree head this site holds from the publisher (a fork)")
            }
        } catch let error as SiteError where error.code == .invalidRequest {
            throw SiteError(.mirrorInvalid, error.message, underlying: error)
        }
    }
}
