import CanonicalJSON
import LedgerCore

/// The canonical JSON payload of an `access.decision` audit entry (Specs/consent.md §6).
///
/// Same canonical rules as `consent.version` (§3.1); decoded strictly.
public enum AccessDecisionPayload {
    /// The ledger entry kind that records an access decision.
    public static let kind = "access.decision"
    /// The payload format version written in member `format`.
    public static let formatVersion: Int64 = 1
    /// The format of a decision about a named record (`resource`, `referenced_by`); one without stays format 1.
    public static let recordFormatVersion: Int64 = 2
    /// The format of a decision asked through the HTTP API: it names the API client (`client`).
    public static let clientFormatVersion: Int64 = 3

    /// The lowest format that holds `decision`'s members (Specs/consent.md §6), so every
    /// decision without a client or a named record keeps the bytes it had.
    public static func format(of decision: AccessDecision) -> Int64 {
        let q = decision.request
        if q.client != nil { return clientFormatVersion }
        return q.resource != nil || !q.referencedBy.isEmpty ? recordFormatVersion : formatVersion
    }

    /// The canonical payload bytes of `decision`.
    public static func encode(_ decision: AccessDecision) -> [UInt8] {
        let q = decision.request
        var m: [(String, JSONValue)] = [
            ("format", .number(JSONNumber(format(of: decision)))),
            ("patient", .string(q.patient.hex)),
            ("actor", .string(q.actor)),
            ("purpose", .string(q.purpose)),
            ("time", .number(JSONNumber(q.time))),
            ("decision", .string(decision.outcome.rawValue)),
            ("reason", .string(decision.reason)),
            ("emergency", .bool(decision.emergency)),
        ]
        if !q.classes.isEmpty { m.append(("classes", .array(q.classes.map { .string($0) }))) }
        if let dataTime = q.dataTime { m.append(("data_time", .number(JSONNumber(dataTime)))) }
        if !decision.basis.isEmpty { m.append(("basis", .array(decision.basis.map { .string($0.hex) }))) }
        if let resource = q.resource { m.append(("resource", .string(resource))) }
        if !q.referencedBy.isEmpty { m.append(("referenced_by", .array(q.referencedBy.map { .string($0) }))) }
        if let client = q.client { m.append(("client", .string(client))) }
        return JSONWriter.canonical(.object(m))
    }

    /// Whether ``encode(_:)``'s payload of `decision` decodes (``decode(_:)``) to a decision with
    /// the same members as encoded: what decoding requires beyond the encoding — every string
    /// non-empty, every instant within years 0001–9999, the classes, referring records and basis
    /// sorted and distinct (as the initialisers leave them). A writer that has just encoded a decision
    /// (the API's group commit) hands it to the derived-state database instead of parsing
    /// its payload again when this holds (Specs/fhir-api.md §4.3).
    public static func decodes(_ decision: AccessDecision) -> Bool {
        let q = decision.request
        if q.actor.isEmpty || q.purpose.isEmpty || decision.reason.isEmpty { return false }
        if q.classes.contains(where: \.isEmpty) || q.referencedBy.contains(where: \.isEmpty) { return false }
        if q.resource?.isEmpty == true || q.client?.isEmpty == true { return false }
        if q.classes != Array(Set(q.classes)).sorted() || q.referencedBy != Array(Set(q.referencedBy)).sorted() { return false }
        if decision.basis != Array(Set(decision.basis)).sorted() { return false }
        let instants = FHIRDateTime.minMillis...FHIRDateTime.maxMillis
        return instants.contains(q.time) && (q.dataTime.map { instants.contains($0) } ?? true)
    }

    /// Decodes a canonical payload; throws for any other byte form.
    /// - Throws: `ConsentError` naming the JSON path (rooted at `$`) or byte offset at fault.
    public static func decode(_ bytes: [UInt8]) throws(ConsentError) -> AccessDecision {
        var r = try JSONObjectReader(try ConsentJSON.parse(bytes), path: "$")
        let (patient, format) = try PayloadValues.decodeHeader(&r, formatVersions: formatVersion...clientFormatVersion)
        let actor = try JSONRead.string(try r.required("actor"), r.child("actor"))
        let purpose = try JSONRead.string(try r.required("purpose"), r.child("purpose"))
        let time = try PayloadValues.instant(try r.required("time"), r.child("time"))
        let outcomeText = try JSONRead.string(try r.required("decision"), r.child("decision"))
        guard let outcome = AccessOutcome(rawValue: outcomeText) else {
            throw ConsentError(.invalidValue, "expected permit or deny", path: r.child("decision"))
        }
        let reason = try JSONRead.string(try r.required("reason"), r.child("reason"))
        let emergency = try JSONRead.bool(try r.required("emergency"), r.child("emergency"))
        let classes = try r.list("classes", PayloadValues.string)
        let dataTime = try r.optional("data_time").map { (x) throws(ConsentError) in try PayloadValues.instant(x, r.child("data_time")) }
        let basis = try r.list("basis", PayloadValues.hash)
        let resource = try r.optional("resource").map { (x) throws(ConsentError) in try JSONRead.string(x, r.child("resource")) }
        let referencedBy = try r.list("referenced_by", PayloadValues.string)
        let client = try r.optional("client").map { (x) throws(ConsentError) in try JSONRead.string(x, r.child("client")) }
        if let client, client.isEmpty {
            throw ConsentError(.invalidValue, "expected a non-empty API client name", path: r.child("client"))
        }
        try r.finish(.invalidValue)
        let request = AccessRequest(patient: patient, actor: actor, purpose: purpose, classes: classes, time: time, dataTime: dataTime,
                                    emergency: emergency, resource: resource, referencedBy: referencedBy, client: client)
        let decision = AccessDecision(request: request, outcome: outcome, basis: basis, reason: reason, emergency: emergency)
        guard format == Self.format(of: decision) else {
            throw ConsentError(.invalidValue, "format 3 is exactly a decision naming an API client, else format 2 exactly one naming a record (resource or referenced_by)", path: "$.format")
        }
        try PayloadValues.requireCanonical(bytes, encode(decision))
        return decision
    }
}
