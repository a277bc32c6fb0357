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
        guard let bytes = HexBytes.decode(genesis.pseudonymKey) else {
            throw CLIFailure.unusableSite("\(layout.genesis): pseudonym_key is not hex")
        }
        do { return try PseudonymKey(bytes: bytes) } catch { throw CLIFailure.unusableSite("\(layout.genesis): \(error.message)") }
    }

    /// A consent engine holding every trusted `consent.version` entry of this site.
    ///
    /// Quarantined entries never reach it (Specs/charter.md §4).
    func consentEngine() throws -> ConsentEngine {
        var engine = ConsentEngine(policy: consentPolicy)
        try forEachEntry { _, entry in
            guard entry.kind == ConsentKinds.version else { return }
            do {
                try engine.ingest(entryId: entry.id, time: entry.timestamp, author: entry.author, payload: entry.payload)
            } catch let error as ConsentError {
                throw CLIFailure.unusableSite("consent version \(entry.id.hex) does not decode: \(error.message); run `careledger verify`")
            }
        }
        return engine
    }
}

extension CLIFailure {
    /// A consent-layer error as a usage failure naming the JSON path at fault.
    static func from(_ error: ConsentError, file: String? = nil) -> CLIFailure {
        let prefix = file.map { "\($0): " } ?? ""
        return .usage(prefix + error.description)
    }
}
