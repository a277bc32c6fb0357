import Foundation
import LedgerCore

extension SiteError.Code {
    /// Neither the checkpoint nor the witnessed checkpoint a mirror serves carries the
    /// cosignatures required (`--witnesses K`; Specs/static-log.md §8.5).
    public static let checkpointUnwitnessed = SiteError.Code("checkpoint_unwitnessed")
}

/// How many witnesses a reader requires, and whose cosignatures count (Specs/static-log.md §8.5).
public struct WitnessRequirement: Sendable, Equatable {
    /// Valid cosignatures required from distinct cosigners (0: none).
    public var count: Int
    /// The cosigners whose signatures count.
    public var cosigners: Set<CosignerKey>

    /// Requires `count` cosignatures from `cosigners`.
    public init(count: Int, cosigners: Set<CosignerKey>) {
        self.count = count
        self.cosigners = cosigners
    }

    /// The network's default K for `sync --mirror`, from the charter `ledger` holds now —
    /// its own trusted charter entries, before anything of the mirror is ingested: the latest
    /// `charter.amend` in effect (approved by the quorum), else the genesis's `witnesses`, else 0
    /// (Specs/static-log.md §8.5, Specs/charter.md §7).
    public static func networkDefault(of ledger: SiteLedger) -> Int {
        ledger.charter.witnessesDefault
    }

    /// K for one `sync --mirror` run: `explicit` (`--witnesses`) when given, whatever the
    /// charter says, else ``networkDefault(of:)``.
    public static func required(explicit: Int?, of ledger: SiteLedger) -> Int {
        explicit ?? networkDefault(of: ledger)
    }

    /// Requires `count` cosignatures from the active members of `ledger`'s network other than
    /// the log's own key: each member's site key under its witness name (§8.1).
    public static func members(of ledger: SiteLedger, count: Int, except logKey: Hash32) -> WitnessRequirement {
        let keys = ledger.charter.members.compactMap { key, member in
            member.revokedFrom == nil && key != logKey ? CosignerKey(site: key, networkID: ledger.networkID) : nil
        }
        return WitnessRequirement(count: count, cosigners: Set(keys))
    }
}

/// Picks the checkpoint a mirror reader may use under a ``WitnessRequirement``: `checkpoint`
/// when it carries enough cosignatures, else `checkpoint.witnessed` (§8.4), else a refusal.
enum MirrorWitnesses {
    /// The witnessed checkpoint's file name.
    static let witnessedFile = StaticLogPublisher.witnessedCheckpoint

    /// `note` when it carries `requirement.count` valid cosignatures, else the source's
    /// witnessed checkpoint when it does (a note its caller still verifies under the log key).
    /// - Throws: `SiteError` `.checkpointUnwitnessed` naming the cosignatures found.
    static func select(_ note: [UInt8], from source: any StaticLogSource, requirement: WitnessRequirement) throws -> [UInt8] {
        guard requirement.count > 0 else { return note }
        let found = CosignerKey.validCount(in: note, of: requirement.cosigners)
        if found >= requirement.count { return note }
        let witnessed = try source.fetch(witnessedFile, limit: SignedNote.maximumBytes)
        let foundThere = witnessed.map { CosignerKey.validCount(in: $0, of: requirement.cosigners) }
        if let witnessed, let foundThere, foundThere >= requirement.count { return witnessed }
        let there = foundThere.map { "\($0)" } ?? "no \(witnessedFile) file"
        throw SiteError(.checkpointUnwitnessed, "\(source.location): \(requirement.count) cosignature(s) by distinct witnesses required; the checkpoint carries \(found), \(witnessedFile): \(there) (of \(requirement.cosigners.count) witness key(s) accepted)")
    }
}
