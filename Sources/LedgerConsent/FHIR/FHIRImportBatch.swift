import LedgerCore

/// The consents of one import of several inputs, checked as if they were one input (Specs/consent.md §4.4).
///
/// Every input of an import is read against the same heads, because nothing is written until
/// all of them are read. Two inputs carrying the same consent without CareLedger version ids
/// would therefore both supersede those heads and make a conflict nobody made. The batch
/// refuses that across inputs as `FHIRConsentImporter.read` does within one, names both
/// inputs, and changes nothing when it refuses (so the caller imports nothing). A version a
/// CareLedger export carries more than once, or that the engine already holds, is skipped.
public struct FHIRImportBatch: Sendable {
    /// The consents to write, in input order.
    public private(set) var consents: [ImportedConsent] = []
    /// CareLedger-exported versions left out: already held, or already in an earlier input.
    public private(set) var skipped = 0

    private struct Seen: Sendable {
        /// `input (path)` of the first copy, for messages.
        var location: String
        /// Whether some copy so far has no CareLedger version id.
        var unstamped: Bool
    }
    private var seen: [ConsentKey: Seen] = [:]
    private var exported: [Hash32: ConsentVersionContent] = [:]

    /// An empty batch.
    public init() {}

    /// Adds the consents read from one input, or nothing if any of them is refused.
    ///
    /// - Parameters:
    ///   - imported: what `FHIRConsentImporter.read` returned for the input.
    ///   - input: the input's name (a file name), used in error messages.
    ///   - engine: the engine the import writes to; versions it already holds are skipped.
    /// - Throws: `ConsentError.Code.invalidValue` at the resource's `id` when its consent is
    ///   already in this import and one of the copies has no CareLedger version id, or at its
    ///   `extension` when it carries an earlier copy's version id with different content.
    public mutating func add(
        _ imported: [ImportedConsent], from input: String, engine: ConsentEngine
    ) throws(ConsentError) {
        var next = self
        for consent in imported {
            let key = consent.content.key
            if let id = consent.exportedVersionId {
                if let earlier = next.exported[id] {
                    guard earlier == consent.content else {
                        throw ConsentError(.invalidValue, "carries the CareLedger version id of an earlier resource of this import with different content", path: "\(consent.path).extension", versionId: id.hex)
                    }
                    next.skipped += 1
                    continue
                }
                next.exported[id] = consent.content
                if engine.version(id, patient: key.patient) != nil {
                    next.skipped += 1
                    continue
                }
            }
            let unstamped = consent.exportedVersionId == nil
            if let earlier = next.seen[key] {
                guard !earlier.unstamped, !unstamped else {
                    throw ConsentError(.invalidValue, "the same consent is already in \(earlier.location) and a copy has no CareLedger version id, so both would supersede the same heads; import them one at a time", path: "\(consent.path).id")
                }
            } else {
                next.seen[key] = Seen(location: "\(input) (\(consent.path))", unstamped: unstamped)
            }
            next.consents.append(consent)
        }
        self = next
    }
}
