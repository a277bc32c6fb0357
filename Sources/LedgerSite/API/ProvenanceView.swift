import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore

extension APIContext {
    /// `GET /fhir/Provenance/{entryId}`: who signed the entry and when, with the site's latest
    /// signed tree head covering it and the RFC 9162 inclusion proof, so a receiver can check
    /// it offline (Specs/fhir-api.md §4.6).
    func provenance(_ id: String) -> APIResponse {
        guard let hash = Hash32(hex: id) else {
            return .outcome(400, code: "value", "a Provenance id is a 64-hex-digit ledger entry id", expression: "Provenance.id")
        }
        let found: Entry?
        do { found = try ledger.entry(id: hash) } catch {
            return .outcome(500, code: "exception", "the log cannot be read: \(error)")
        }
        guard let entry = found else {
            return .outcome(404, code: "not-found", "no ledger entry \(id) at this site", expression: "Provenance.id")
        }
        var members: [(String, JSONValue)] = [
            ("resourceType", .string("Provenance")),
            ("id", .string(id)),
            ("target", .array([.object([("identifier", .object([("system", .string("urn:careledger:entry")), ("value", .string(id))]))])])),
            ("recorded", .string(FHIRDateTime.format(Int64(clamping: entry.timestamp.wallMillis)))),
            ("agent", .array([.object([("who", Self.siteIdentifier(entry.author))])])),
            ("signature", .array([.object([
                ("type", .array([.object([("system", .string("urn:iso-astm:E1762-95:2013")), ("code", .string("1.2.840.10065.1.12.1.1")),
                                          ("display", .string("Author's Signature"))])])),
                ("when", .string(FHIRDateTime.format(Int64(clamping: entry.timestamp.wallMillis)))),
                ("who", Self.siteIdentifier(entry.author)),
                ("sigFormat", .string("application/x-ed25519")),
                ("data", .string(Data(entry.signature).base64EncodedString())),
            ])])),
        ]
        if let head = ledger.treeHeads.last, let proof = try? ledger.inclusionProof(for: hash, treeSize: head.treeSize) {
            members.append(("extension", .array([.object([
                ("url", .string("urn:careledger:fhir:inclusion-proof")),
                ("extension", .array([
                    .object([("url", .string("leafIndex")), ("valueString", .string(String(proof.leafIndex)))]),
                    .object([("url", .string("treeSize")), ("valueString", .string(String(proof.treeSize)))]),
                    .object([("url", .string("rootHash")), ("valueString", .string(proof.rootHash.hex))]),
                    .object([("url", .string("auditPath")), ("valueString", .string(proof.auditPath.map(\.hex).joined(separator: ",")))]),
                    .object([("url", .string("treeHeadSignature")), ("valueString", .string(Data(head.signature).base64EncodedString()))]),
                    .object([("url", .string("entryEncoded")), ("valueString", .string(Data(entry.encoded).base64EncodedString()))]),
                ])),
            ])])))
        }
        return APIResponse(status: 200, json: .object(members))
    }

    static func siteIdentifier(_ key: Hash32) -> JSONValue {
        .object([("identifier", .object([("system", .string("urn:careledger:site-key")), ("value", .string(key.hex))]))])
    }
}
