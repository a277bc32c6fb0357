/// The part of the HL7 v3-ActReason purpose-of-use hierarchy that access checks need.
///
/// A provision for a purpose covers its specialisations: consent for `TREAT` covers an
/// `ETREAT` (emergency treatment) request, never the other way round (Specs/consent.md §5.2).
public enum PurposeOfUse {
    /// The code system of purposes of use.
    public static let system = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

    /// child → parent, for the specialisations CareLedger knows.
    static let parent: [String: String] = [
        "ETREAT": "TREAT", "BTG": "ETREAT", "CAREMGT": "TREAT", "CLINTRL": "TREAT", "POPHLTH": "TREAT",
        "CLINTRCH": "HRESCH", "PATRQT": "PATADMIN",
    ]

    /// Purposes for which break-glass may override a refusal.
    public static let treatment: Set<String> = ["TREAT", "ETREAT", "BTG"]

    /// `code` and every purpose it specialises, nearest first.
    public static func lineage(of code: String) -> [String] {
        var out = [code]
        var current = code
        while let up = parent[current], !out.contains(up) {
            out.append(up)
            current = up
        }
        return out
    }
}
