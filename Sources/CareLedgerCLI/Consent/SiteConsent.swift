import LedgerConsent
import LedgerCore

/// The entry kinds the consent layer writes.
enum ConsentKinds {
    static let version = "consent.version"
    static let decision = "access.decision"
}

extension SiteLedger {
    /// The network's consent policy, as the genesis charter states it.
    var consentPolicy: ConsentPolicy {
        let rule = LedgerConsent.ConflictRule(rawValue: charter.genesis.conflictRule.rawValue) ?? .denyOverrides
        return ConsentPolicy(rule: rule, defaultAccess: charter.genesis.optOut ? .optOut : .optIn)
    }

    /// The network's pseudonym key, from the genesis file this site holds.
    func pseudonymKey() throws -> PseudonymKey {
        guard let bytes = Hex.decode(genesis.pseudonymKey) else {
            throw CLIFailure.unusableSite("\(layout.genesis): pseudonym_key is not hex")
        }
        do { return try PseudonymKey(bytes: bytes) } catch { throw CLIFailure.unusableSite("\(layout.genesis): \(error.message)") }
    }

    /// A consent engine holding every trusted `consent.version` entry of this site that
    /// decodes; warns on stderr of those that do not (see `loadConsent()`).
    func consentEngine() throws -> ConsentEngine {
        let loaded = try loadConsent()
        loaded.warnOfSkipped()
        return loaded.engine
    }

    /// Every trusted `consent.version` entry of this site, read into a consent engine.
    ///
    /// Quarantined entries never reach it (Specs/charter.md §4). A payload that does not
    /// decode as a consent version this build reads — a newer peer's `format`, or anything
    /// `append --kind consent.version` was given — is skipped, not fatal: the entry stays on
    /// the ledger as an opaque entry (Specs/consent.md §3.3) and is counted in `skipped`, so
    /// one such entry, synced everywhere, cannot stop `check`, `conflicts` or `consent *` at
    /// every site.
    /// - Throws: only when the log itself cannot be read.
    func loadConsent() throws -> LoadedConsent {
        var engine = ConsentEngine(policy: consentPolicy)
        var skipped: [Hash32] = []
        try forEachEntry { _, entry in
            guard entry.kind == ConsentKinds.version else { return }
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
struct LoadedConsent {
    /// Every decodable consent version.
    let engine: ConsentEngine
    /// Ids of the `consent.version` entries skipped because their payload does not decode.
    let skipped: [Hash32]

    /// One warning line on stderr when versions were skipped; names entry ids, never payloads.
    func warnOfSkipped() {
        guard let first = skipped.first else { return }
        let count = skipped.count == 1 ? "1 consent.version entry does" : "\(skipped.count) consent.version entries do"
        printError("warning: \(count) not decode as a consent version this build reads (first: \(first.hex)); kept on the ledger and ignored in consent decisions (a newer CareLedger may read them)")
    }
}

extension CLIFailure {
    /// A consent-layer error as a usage failure naming the JSON path at fault.
    static func from(_ error: ConsentError, file: String? = nil) -> CLIFailure {
        let prefix = file.map { "\($0): " } ?? ""
        return .usage(prefix + error.description)
    }
}
