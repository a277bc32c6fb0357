import CanonicalJSON
import LedgerCore

/// Readers for the FHIR R4 datatypes a `Consent` uses (Specs/consent.md §4.3).
///
/// Each accepts exactly the elements listed in the spec and refuses the rest with the
/// path of the element, so nothing is silently lost between FHIR and the ledger.
enum FHIRRead {
    static func string(_ v: JSONValue, _ path: String) throws(ConsentError) -> String {
        try JSONRead.string(v, path)
    }

    static func code(_ v: JSONValue, _ path: String) throws(ConsentError) -> String {
        let s = try JSONRead.string(v, path)
        guard s.first != " ", s.last != " ", !s.contains("  ") else {
            throw ConsentError(.invalidValue, "a FHIR code may not have leading, trailing or double spaces", path: path)
        }
        return s
    }

    /// FHIR `id`: 1 to 64 of `A-Z a-z 0-9 - .`.
    static func id(_ v: JSONValue, _ path: String) throws(ConsentError) -> String {
        let s = try JSONRead.string(v, path)
        let ok = s.utf8.count <= 64 && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E
        }
        guard ok else { throw ConsentError(.invalidValue, "not a FHIR id (1-64 of A-Z a-z 0-9 - .); give the id in that form", path: path) }
        return s
    }

    static func dateTime(_ v: JSONValue, _ path: String, roundUp: Bool = false) throws(ConsentError) -> Int64 {
        let s = try JSONRead.string(v, path)
        guard let millis = FHIRDateTime.parse(s, roundUp: roundUp) else {
            throw ConsentError(.invalidValue, "not a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or a full time with zone)", path: path)
        }
        return millis
    }

    static func coding(_ v: JSONValue, _ path: String) throws(ConsentError) -> Coding {
        var r = try JSONObjectReader(v, path: path)
        let system = try r.optional("system").map { (x) throws(ConsentError) in try string(x, r.child("system")) }
        let code = try code(try r.required("code"), r.child("code"))
        let display = try r.optional("display").map { (x) throws(ConsentError) in try string(x, r.child("display")) }
        // Decision-free (codes are matched without them): kept in the original only.
        for name in ["version", "userSelected", "id", "extension"] { r.ignore(name) }
        try r.finish()
        return Coding(system: system, code: code, display: display)
    }

    static func concept(_ v: JSONValue, _ path: String) throws(ConsentError) -> Concept {
        var r = try JSONObjectReader(v, path: path)
        let codings = try r.list("coding", coding)
        let text = try r.optional("text").map { (x) throws(ConsentError) in try string(x, r.child("text")) }
        r.ignore("id")
        r.ignore("extension")
        try r.finish()
        guard !codings.isEmpty || text != nil else {
            throw ConsentError(.missingElement, "a CodeableConcept needs coding or text", path: path)
        }
        return Concept(codings: codings, text: text)
    }

    static func period(_ v: JSONValue, _ path: String) throws(ConsentError) -> ConsentPeriod {
        var r = try JSONObjectReader(v, path: path)
        let start = try r.optional("start").map { (x) throws(ConsentError) in try dateTime(x, r.child("start")) }
        let end = try r.optional("end").map { (x) throws(ConsentError) in try dateTime(x, r.child("end"), roundUp: true) }
        r.ignore("id")
        r.ignore("extension")
        try r.finish()
        guard start != nil || end != nil else { throw ConsentError(.missingElement, "a Period needs start or end", path: path) }
        if let start, let end, start > end {
            throw ConsentError(.invalidValue, "period ends before it starts; correct start or end", path: "\(path).end")
        }
        return ConsentPeriod(start: start, end: end)
    }

    /// A `Consent.provision.actor`: a role and a reference. A patient (`Patient/…`, or the
    /// CareLedger pseudonym identifier) is pseudonymised as `Consent.patient` is and kept as
    /// the token `urn:careledger:patient-pseudonym|HEX`; a contained reference is refused
    /// (it would put a patient's data on the ledger).
    static func actor(_ v: JSONValue, _ path: String, key: PseudonymKey) throws(ConsentError) -> ProvisionActor {
        var a = try JSONObjectReader(v, path: path)
        let role = try concept(try a.required("role"), a.child("role"))
        let referencePath = a.child("reference")
        let reference = try actorReference(try a.required("reference"), referencePath, key: key)
        a.ignore("id")
        a.ignore("extension")
        try a.finish()
        return ProvisionActor(role: role, reference: reference)
    }

    private static func actorReference(_ v: JSONValue, _ path: String, key: PseudonymKey) throws(ConsentError) -> String {
        var r = try JSONObjectReader(v, path: path)
        for name in ["display", "type", "id", "extension"] { r.ignore(name) }
        let literal = try r.optional("reference").map { (x) throws(ConsentError) in try string(x, r.child("reference")) }
        let identifier = try r.optional("identifier").map { (x) throws(ConsentError) -> String in
            var i = try JSONObjectReader(x, path: r.child("identifier"))
            let system = try string(try i.required("system"), i.child("system"))
            let value = try string(try i.required("value"), i.child("value"))
            try i.finish()
            guard system == PseudonymKey.pseudonymSystem, let p = PatientPseudonym(hex: value) else {
                throw ConsentError(.unsupportedElement, "an actor named by identifier is matched only as a CareLedger pseudonym; give reference TYPE/ID instead", path: i.child("system"))
            }
            return PseudonymKey.actorToken(p)
        }
        try r.finish()
        if let identifier { return identifier }
        guard let literal else {
            throw ConsentError(.missingElement, "an actor needs reference TYPE/ID (or a CareLedger pseudonym identifier)", path: path)
        }
        if literal.hasPrefix("#") {
            throw ConsentError(.unsupportedElement, "a contained actor cannot be matched and would put its data on the ledger; reference the actor as TYPE/ID", path: r.child("reference"))
        }
        // The ledger keeps a patient actor as this token and exports it as the pseudonym
        // identifier: a reference spelled like the token must be one (64 hex digits), kept in
        // the token's own spelling, or its export would not import back.
        let tokenPrefix = PseudonymKey.pseudonymSystem + "|"
        if literal.hasPrefix(tokenPrefix) {
            guard let p = PatientPseudonym(hex: String(literal.dropFirst(tokenPrefix.count))) else {
                throw ConsentError(.invalidValue, "a reference starting \(tokenPrefix) names a CareLedger pseudonym and needs 64 hex digits after the bar", path: r.child("reference"))
            }
            return PseudonymKey.actorToken(p)
        }
        return key.ledgerActor(literal)
    }

    /// A `provision.data` entry: meaning `instance` or `related` and a record reference.
    static func data(_ v: JSONValue, _ path: String) throws(ConsentError) -> ProvisionData {
        var r = try JSONObjectReader(v, path: path)
        let meaningText = try code(try r.required("meaning"), r.child("meaning"))
        let reference = try referenceString(try r.required("reference"), r.child("reference"))
        r.ignore("id")
        r.ignore("extension")
        try r.finish()
        guard let meaning = ProvisionData.Meaning(rawValue: meaningText) else {
            // Name the meaning only when it is one of FHIR's codes: messages never echo input values.
            let named = ["dependents", "authoredby"].contains(meaningText) ? "meaning \(meaningText)" : "this meaning (not a FHIR R4 data meaning)"
            throw ConsentError(.unsupportedElement, "provision.data \(named) cannot be evaluated: CareLedger knows a request's record and the records that refer to it, not what else a record was authored by or depends on; use meaning instance or related", path: r.child("meaning"))
        }
        if reference.hasPrefix("#") || reference.hasPrefix("Patient/") || reference.contains("/Patient/") {
            throw ConsentError(.unsupportedElement, "provision.data must name a record, not the patient or a contained resource (that would put a patient id on the ledger); reference the record as TYPE/ID", path: "\(r.child("reference")).reference")
        }
        return ProvisionData(meaning: meaning, reference: reference)
    }

    /// A `Reference` given by its `reference` string (display and type are ignored).
    static func referenceString(_ v: JSONValue, _ path: String) throws(ConsentError) -> String {
        var r = try JSONObjectReader(v, path: path)
        let reference = try string(try r.required("reference"), r.child("reference"))
        for name in ["display", "type", "id", "extension"] { r.ignore(name) }
        try r.finish()
        return reference
    }
}
