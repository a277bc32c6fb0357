import CanonicalJSON

/// The `Consent` elements that change no decision and may name the patient: accepted on
/// import, kept only in the site's store of originals, never on the ledger (Specs/consent.md §4.6).
///
/// | element | why it stays off the ledger |
/// |---|---|
/// | `text` | narrative: names, dates of birth, free text |
/// | `identifier` | business ids, often an MRN or a form number tied to the patient |
/// | `performer` | who agreed: often the patient or a related person |
/// | `verification` | `verifiedWith` names the patient or a related person |
/// | `sourceAttachment`, `sourceReference` | the signed form itself, or the patient's document |
/// | `contained`, `language` | contained resources may be the patient; language is carried with them |
/// | non-CareLedger `extension` | anything at all |
enum OriginalOnly {
    /// The elements, each with the JSON type FHIR R4 gives it.
    static let elements: [(name: String, isArray: Bool)] = [
        ("text", false), ("identifier", true), ("performer", true), ("verification", true),
        ("sourceAttachment", false), ("sourceReference", false), ("contained", true), ("language", false),
    ]

    /// Takes the original-only elements of a `Consent` after checking their shape, and refuses
    /// the modifiers CareLedger cannot evaluate (naming the element and what to change).
    static func check(_ r: inout JSONObjectReader) throws(ConsentError) {
        for element in elements {
            guard let value = r.optional(element.name) else { continue }
            let path = r.child(element.name)
            if element.name == "language" { _ = try FHIRRead.code(value, path); continue }
            if element.isArray {
                for (item, itemPath) in try JSONRead.each(try JSONRead.nonEmptyArray(value, path), path, { (v, p) in v.withPath(p) }) {
                    _ = try JSONObjectReader(item, path: itemPath)
                }
            } else {
                _ = try JSONObjectReader(value, path: path)
            }
        }
        if r.has("implicitRules") {
            throw ConsentError(.unsupportedElement, "implicitRules is a FHIR modifier: rules CareLedger cannot read could change every decision; remove it and state the rules in provision", path: r.child("implicitRules"))
        }
    }
}
