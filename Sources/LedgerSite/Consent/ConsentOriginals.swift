import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore

/// The site's store of FHIR Consent originals (Specs/consent.md §4.6): `originals/<anchor>.json`
/// in the site folder, each the canonical JSON of one imported resource without its `meta`, mode 0600, written
/// durably (temporary file, fsync, rename, fsync of the folder) before the version that
/// anchors it is appended. Never on the ledger, never synced; part of the site folder's backup.
public struct ConsentOriginals {
    /// The site whose folder holds the store.
    public let ledger: SiteLedger
    private let key: PseudonymKey

    /// The store of `ledger`'s site.
    /// - Throws: ``SiteError`` `.unusableSite` when the network's key is unusable.
    public init(_ ledger: SiteLedger) throws {
        self.ledger = ledger
        self.key = try ledger.pseudonymKey()
    }

    /// The store's folder.
    public var folder: String { ledger.layout.root + "/originals" }

    /// The file of the original anchored as `anchor`.
    public func path(_ anchor: Hash32) -> String { "\(folder)/\(anchor.hex).json" }

    /// Writes an original (canonical JSON bytes) durably, mode 0600, under its anchor.
    /// - Returns: the anchor when this call created the file; nil when the store already held it.
    @discardableResult
    public func store(_ canonical: [UInt8]) throws -> Hash32? {
        let anchor = key.originalAnchor(canonical)
        guard original(anchor) == nil else { return nil }
        try ledger.files.makeDirectory(folder)
        try ledger.files.writeAtomically(canonical, to: path(anchor), permissions: 0o600)
        return anchor
    }

    /// Deletes the original anchored as `anchor` (an import that wrote nothing takes back its originals).
    public func remove(_ anchor: Hash32) {
        try? FileManager.default.removeItem(atPath: path(anchor))
    }

    /// The original anchored as `anchor`, if this site holds it and its bytes still hash to it.
    public func original(_ anchor: Hash32) -> JSONValue? {
        guard let bytes = try? ledger.files.contents(of: path(anchor), limit: 64 << 20),
              key.originalAnchor(bytes) == anchor else { return nil }
        return try? JSONParser.parse(bytes)
    }

    /// The anchor of a resource given as any JSON text (an operator's copy of an original).
    /// - Throws: ``SiteError`` `.invalidRequest` when the bytes are not JSON.
    public func anchor(ofResource bytes: [UInt8]) throws -> Hash32 {
        do { return key.originalAnchor(FHIRConsentImporter.originalBytes(try JSONParser.parse(bytes))) } catch {
            throw SiteError(.invalidRequest, "not a JSON resource: \(error.message) at byte \(error.offset ?? 0); give the original Consent's JSON")
        }
    }

    /// Anchors of stored files whose bytes no longer hash to their name (a backup or verify check).
    public func damaged() -> [String] {
        guard let names = try? ledger.files.fileSystem.listDirectory(folder) else { return [] }
        return names.filter { name in
            // `NAME.json.tmp`: an atomic write cut before its rename (an import killed there);
            // it never replaced an original, and the next write of that original overwrites it.
            if name.hasSuffix(".json.tmp") { return false }
            guard name.hasSuffix(".json"), let anchor = Hash32(hex: String(name.dropLast(5))) else { return !name.hasPrefix(".") }
            return original(anchor) == nil
        }.sorted()
    }
}
