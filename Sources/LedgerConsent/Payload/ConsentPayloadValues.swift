import CanonicalJSON
import LedgerCore

/// JSON forms of the model's building blocks inside canonical payloads (Specs/consent.md §3.3).
///
/// Empty lists and absent optionals are omitted, so every value has one encoding; the
/// decoder refuses what the encoder would never write (empty arrays, unknown members).
enum PayloadValues {
    /// Reads the members every payload opens with (Specs/consent.md §3.3, §6): `format`, which
    /// must be `formatVersion`, and `patient`, a pseudonym in 64 lowercase hex digits.
    static func decodeHeader(_ r: inout JSONObjectReader, formatVersion: Int64) throws(ConsentError) -> PatientPseudonym {
        try decodeHeader(&r, formatVersions: formatVersion...formatVersion).patient
    }

    /// Reads the header as ``decodeHeader(_:formatVersion:)`` does, accepting any format in
    /// `formatVersions`, and returns the format read.
    static func decodeHeader(
        _ r: inout JSONObjectReader, formatVersions: ClosedRange<Int64>
    ) throws(ConsentError) -> (patient: PatientPseudonym, format: Int64) {
        let format = try JSONRead.int64(try r.required("format"), r.child("format"))
        guard formatVersions.contains(format) else {
            let reads = formatVersions.count == 1 ? "\(formatVersions.lowerBound)" : "\(formatVersions.lowerBound) to \(formatVersions.upperBound)"
            throw ConsentError(.invalidValue, "unsupported payload format \(format) (this build reads \(reads))", path: r.child("format"))
        }
        let patientHex = try JSONRead.string(try r.required("patient"), r.child("patient"))
        guard patientHex == patientHex.lowercased(), let patient = PatientPseudonym(hex: patientHex) else {
            throw ConsentError(.invalidValue, "expected a 64-hex-digit pseudonym", path: r.child("patient"))
        }
        return (patient, format)
    }

    /// Throws unless the payload `bytes` are `canonical`, the encoding of what they decoded to
    /// (Specs/consent.md §3.1: one byte form per value).
    static func requireCanonical(_ bytes: [UInt8], _ canonical: [UInt8]) throws(ConsentError) {
        guard canonical == bytes else {
            throw ConsentError(.nonCanonicalPayload, "payload is not in canonical form (sorted keys, no whitespace, no empty lists)", path: "$")
        }
    }

    static func coding(_ c: Coding) -> JSONValue {
        var m: [(String, JSONValue)] = [("code", .string(c.code))]
        if let system = c.system { m.append(("system", .string(system))) }
        if let display = c.display { m.append(("display", .string(display))) }
        return .object(m)
    }

    static func decodeCoding(_ v: JSONValue, _ path: String) throws(ConsentError) -> Coding {
        var r = try JSONObjectReader(v, path: path)
        let code = try JSONRead.string(try r.required("code"), r.child("code"))
        let system = try r.optional("system").map { (x) throws(ConsentError) in try JSONRead.string(x, r.child("system")) }
        let display = try r.optional("display").map { (x) throws(ConsentError) in try JSONRead.string(x, r.child("display")) }
        try r.finish(.invalidValue)
        return Coding(system: system, code: code, display: display)
    }

    static func concept(_ c: Concept) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if !c.codings.isEmpty { m.append(("codings", .array(c.codings.map(coding)))) }
        if let text = c.text { m.append(("text", .string(text))) }
        return .object(m)
    }

    static func decodeConcept(_ v: JSONValue, _ path: String) throws(ConsentError) -> Concept {
        var r = try JSONObjectReader(v, path: path)
        let codings = try r.list("codings", decodeCoding)
        let text = try r.optional("text").map { (x) throws(ConsentError) in try JSONRead.string(x, r.child("text")) }
        try r.finish(.invalidValue)
        guard !codings.isEmpty || text != nil else {
            throw ConsentError(.invalidValue, "a concept needs codings or text", path: path)
        }
        return Concept(codings: codings, text: text)
    }

    /// A provision actor: `{reference, role}`.
    static func decodeActor(_ v: JSONValue, _ path: String) throws(ConsentError) -> ProvisionActor {
        var a = try JSONObjectReader(v, path: path)
        let reference = try JSONRead.string(try a.required("reference"), a.child("reference"))
        let role = try decodeConcept(try a.required("role"), a.child("role"))
        try a.finish(.invalidValue)
        return ProvisionActor(role: role, reference: reference)
    }

    static func period(_ p: ConsentPeriod) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if let start = p.start { m.append(("start", .number(JSONNumber(start)))) }
        if let end = p.end { m.append(("end", .number(JSONNumber(end)))) }
        return .object(m)
    }

    static func decodePeriod(_ v: JSONValue, _ path: String) throws(ConsentError) -> ConsentPeriod {
        var r = try JSONObjectReader(v, path: path)
        let start = try r.optional("start").map { (x) throws(ConsentError) in try instant(x, r.child("start")) }
        let end = try r.optional("end").map { (x) throws(ConsentError) in try instant(x, r.child("end")) }
        try r.finish(.invalidValue)
        guard start != nil || end != nil else { throw ConsentError(.invalidValue, "a period needs start or end", path: path) }
        if let start, let end, start > end { throw ConsentError(.invalidValue, "period ends before it starts", path: path) }
        return ConsentPeriod(start: start, end: end)
    }

    static func instant(_ v: JSONValue, _ path: String) throws(ConsentError) -> Int64 {
        let n = try JSONRead.int64(v, path)
        guard n >= FHIRDateTime.minMillis, n <= FHIRDateTime.maxMillis else {
            throw ConsentError(.invalidValue, "instant outside years 0001-9999", path: path)
        }
        return n
    }

    static func hash(_ v: JSONValue, _ path: String) throws(ConsentError) -> Hash32 {
        let s = try JSONRead.string(v, path)
        guard s.utf8.count == 64, s == s.lowercased(), let h = Hash32(hex: s) else {
            throw ConsentError(.invalidValue, "expected 64 lowercase hex digits", path: path)
        }
        return h
    }

    /// A provision's record criterion: `{meaning, reference}`.
    static func data(_ d: ProvisionData) -> JSONValue {
        .object([("meaning", .string(d.meaning.rawValue)), ("reference", .string(d.reference))])
    }

    static func decodeData(_ v: JSONValue, _ path: String) throws(ConsentError) -> ProvisionData {
        var r = try JSONObjectReader(v, path: path)
        let meaningText = try JSONRead.string(try r.required("meaning"), r.child("meaning"))
        let reference = try JSONRead.string(try r.required("reference"), r.child("reference"))
        try r.finish(.invalidValue)
        guard let meaning = ProvisionData.Meaning(rawValue: meaningText) else {
            throw ConsentError(.invalidValue, "unknown data meaning (instance or related)", path: r.child("meaning"))
        }
        return ProvisionData(meaning: meaning, reference: reference)
    }

    /// A policy reference: `{"authority"?, "uri"?}`, at least one.
    static func policyReference(_ p: PolicyReference) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if let authority = p.authority { m.append(("authority", .string(authority))) }
        if let uri = p.uri { m.append(("uri", .string(uri))) }
        return .object(m)
    }

    static func decodePolicyReference(_ v: JSONValue, _ path: String) throws(ConsentError) -> PolicyReference {
        var r = try JSONObjectReader(v, path: path)
        let authority = try r.optional("authority").map { (x) throws(ConsentError) in try JSONRead.string(x, r.child("authority")) }
        let uri = try r.optional("uri").map { (x) throws(ConsentError) in try JSONRead.string(x, r.child("uri")) }
        try r.finish(.invalidValue)
        guard authority != nil || uri != nil else { throw ConsentError(.invalidValue, "a policy reference needs authority or uri", path: path) }
        return PolicyReference(authority: authority, uri: uri)
    }

    static func string(_ v: JSONValue, _ path: String) throws(ConsentError) -> String {
        try JSONRead.string(v, path)
    }
}
