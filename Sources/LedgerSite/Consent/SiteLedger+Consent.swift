import LedgerConsent
import LedgerCore

extension SiteLedger {
    /// The network's consent policy, as the genesis charter states it.
    public var consentPolicy: ConsentPolicy {
        ConsentPolicy(rule: charter.genesis.conflictRule, defaultAccess: charter.genesis.optOut ? .optOut : .optIn)
    }

    /// The network's pseudonym key, from the genesis file this site holds.
    /// - Throws: ``SiteError`` `.unusableSite` when the genesis file's key is not usable.
    public func pseudonymKey() throws -> PseudonymKey {
        guard let bytes = Hex.decode(genesis.pseudonymKey) else {
            throw SiteError(.unusableSite, "\(layout.genesis): pseudonym_key is not hex", path: layout.genesis)
        }
        do { return try PseudonymKey(bytes: bytes) } catch {
            throw SiteError(.unusableSite, "\(layout.genesis): \(error.message)", path: layout.genesis, underlying: error)
        }
    }

    /// Every trusted `consent.version` entry of this site, read into a consent engine.
    ///
    /// Quarantined entries never reach it (Specs/charter.md §4). A payload that does not
    /// decode as a consent version this build reads — a newer peer's `format`, or anything
    /// `append --kind consent.version` was given — is skipped, not fatal: the entry stays on
    /// the ledger as an opaque entry (Specs/consent.md §3.3) and is counted in `skipped`, so
    /// one such entry, synced everywhere, cannot stop checks, conflicts or imports at
    /// every site.
    /// - Parameter progress: told how many entries were read since its last call (every
    ///   entry is read once).
    /// - Throws: only when the log itself cannot be read.
    public func loadConsent(progress: (Int) -> Void = { _ in }) throws -> LoadedConsent {
        var engine = ConsentEngine(policy: consentPolicy)
        var skipped: [Hash32] = []
        var pending = 0
        let voided = charter.upheldEntries  // Specs/consent.md §5.5: an upheld dispute voids a version.
        defer { progress(pending) }
        try forEachEntry { _, entry in
            pending += 1
            if pending >= 1024 { progress(pending); pending = 0 }
            guard entry.kind == ConsentVersionPayload.kind, !voided.contains(entry.id) else { return }
            do {
                try engine.ingest(entryId: entry.id, time: entry.timestamp, author: entry.author, payload: entry.payload)
            } catch {
                skipped.append(entry.id)
            }
        }
        return LoadedConsent(engine: engine, skipped: skipped)
    }
}

/// A site's consent engine and the `consent.version` entries it could not read.
public struct LoadedConsent: Sendable {
    /// Every decodable consent version.
    public var engine: ConsentEngine
    /// Ids of the `consent.version` entries skipped because their payload does not decode.
    public var skipped: [Hash32]

    /// One warning line when versions were skipped (nil otherwise); names entry ids, never payloads.
    public var skippedWarning: String? {
        guard let first = skipped.first else { return nil }
        let count = skipped.count == 1 ? "1 consent.version entry does" : "\(skipped.count) consent.version entries do"
        return "\(count) not decode as a consent version this build reads (first: \(first.hex)); kept on the ledger and ignored in consent decisions (a newer CareLedger may read them)"
    }
}
