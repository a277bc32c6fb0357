import CanonicalJSON

/// Reads a provision tree from either JSON form that carries one: a FHIR R4
/// `Consent.provision` (Specs/consent.md §4.2) or a canonical payload's `provision` (§3.3).
///
/// The two forms name the lists differently, read values with their own datatype rules and
/// refuse what they do not accept with their own error code; the walk over the members, its
/// order (which decides the error reported first) and the depth limit are the same.
struct ProvisionReader {
    typealias Read<T> = (JSONValue, String) throws(ConsentError) -> T

    /// The member names of the lists, and of the data period, in this form.
    struct Names {
        var actors: String
        var actions: String
        var securityLabels: String
        var purposes: String
        var classes: String
        var codes: String
        var dataPeriod: String
        var provisions: String
        var data: String
    }

    let names: Names
    /// Reads the `type` code (`permit` or `deny`).
    let code: Read<String>
    let concept: Read<Concept>
    let coding: Read<Coding>
    let period: Read<ConsentPeriod>
    let actor: Read<ProvisionActor>
    let data: Read<ProvisionData>
    /// Members read elsewhere or kept only in the original (FHIR: `id`, `extension`); the payload form has none.
    var ignored: [String] = []
    /// The code for a member the form does not accept and for nesting past the limit.
    let refusal: ConsentError.Code

    /// Reads the provision at `path`, `depth` levels down (the root is depth 1).
    func read(_ value: JSONValue, _ path: String, depth: Int) throws(ConsentError) -> ConsentProvision {
        let maxDepth = ConsentVersionPayload.maxProvisionDepth
        guard depth <= maxDepth else {
            throw ConsentError(refusal, "provisions nested deeper than \(maxDepth)", path: path)
        }
        var r = try JSONObjectReader(value, path: path)
        var p = ConsentProvision()
        if let t = r.optional("type") {
            guard let type = ProvisionType(rawValue: try code(t, r.child("type"))) else {
                throw ConsentError(.invalidValue, "expected permit or deny", path: r.child("type"))
            }
            p.type = type
        }
        p.period = try r.optional("period").map { (x) throws(ConsentError) in try period(x, r.child("period")) }
        p.actors = try r.list(names.actors, actor)
        p.actions = try r.list(names.actions, concept)
        p.securityLabels = try r.list(names.securityLabels, coding)
        p.purposes = try r.list(names.purposes, coding)
        p.classes = try r.list(names.classes, coding)
        p.codes = try r.list(names.codes, concept)
        p.dataPeriod = try r.optional(names.dataPeriod).map { (x) throws(ConsentError) in try period(x, r.child(names.dataPeriod)) }
        p.provisions = try r.list(names.provisions) { (x, childPath) throws(ConsentError) in
            try read(x, childPath, depth: depth + 1)
        }
        p.data = try r.list(names.data, data)
        for name in ignored { r.ignore(name) }
        try r.finish(refusal)
        return p
    }
}
