import LedgerCore

/// A direct reader of `consent.version` payload bytes in their usual canonical form, straight
/// into ``ConsentVersionContent``: no `JSONValue` tree, no member look-ups, no paths built.
///
/// Why: every consult for a patient the HTTP API has not loaded decodes that patient's
/// versions (Specs/fhir-api.md §3), and catch-up decodes every version it indexes; the tree
/// and the paths cost more than the reading itself.
///
/// It never decides anything the full decoder would not: it accepts only a narrow form
/// (members in strictly increasing byte order, no whitespace, strings of printable ASCII
/// without escapes and non-empty, integers without sign tricks, non-empty arrays, every
/// value check of ``ConsentVersionPayload/decode(_:)``) and answers nil for anything else,
/// so the caller then runs the full decoder, which gives the content or the error. When it
/// answers, the content is the one the full decoder gives (a property test holds it to that).
enum ConsentPayloadScanner {
    /// The content of `bytes`, or nil when they are not in the form this reader takes.
    /// Whether the bytes are the content's canonical encoding is the caller's check.
    static func scan(_ bytes: [UInt8]) -> ConsentVersionContent? {
        bytes.withUnsafeBufferPointer { buffer -> ConsentVersionContent? in
            var cursor = PayloadCursor(buffer)
            guard let content = try? cursor.content(), cursor.atEnd else { return nil }
            return content
        }
    }
}

/// The scanner's refusal: the full decoder takes over (it carries no reason on purpose).
struct ScanRefusal: Error {}

/// A cursor over payload bytes (valid only inside the `withUnsafeBufferPointer` that made it).
struct PayloadCursor {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { at == bytes.count }

    // MARK: - The payload

    mutating func content() throws(ScanRefusal) -> ConsentVersionContent {
        var format: Int64?, patient: PatientPseudonym?, consentId: String?, status: ConsentStatus?, scope: Concept?
        var category: [Concept] = [], dateTime: Int64?, rule: Concept?, organizations: [String] = []
        var provision: ConsentProvision?, supersedes: [Hash32] = [], policies: [String] = []
        var references: [PolicyReference] = [], original: Hash32?
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .category: category = try list { (c) throws(ScanRefusal) in try c.concept() }
            case .consentID: consentId = try string()
            case .dateTime: dateTime = try instant()
            case .format: format = try int64()
            case .organizations: organizations = try list { (c) throws(ScanRefusal) in try c.string() }
            case .original: original = try hash()
            case .patient: patient = PatientPseudonym(try hash())
            case .policies: policies = try list { (c) throws(ScanRefusal) in try c.string() }
            case .policyReferences: references = try list { (c) throws(ScanRefusal) in try c.policyReference() }
            case .policyRule: rule = try concept()
            case .provision: provision = try provisionValue(depth: 1)
            case .scope: scope = try concept()
            case .status:
                guard let read = ConsentStatus(rawValue: try string()) else { throw ScanRefusal() }
                status = read
            case .supersedes: supersedes = try list { (c) throws(ScanRefusal) in try c.hash() }
            default: throw ScanRefusal()
            }
        }
        guard let format, (ConsentVersionPayload.formatVersion...ConsentVersionPayload.originalsFormatVersion).contains(format),
              let patient, let consentId, let status, let scope else { throw ScanRefusal() }
        let content = ConsentVersionContent(
            key: ConsentKey(patient: patient, consentId: consentId), status: status, scope: scope, category: category,
            dateTime: dateTime, policyRule: rule, organizations: organizations, provision: provision, supersedes: supersedes,
            policies: policies, policyReferences: references, original: original)
        guard format == ConsentVersionPayload.format(of: content) else { throw ScanRefusal() }
        return content
    }

    /// A provision `depth` levels down (the root is 1), as ``ConsentVersionPayload/provisionReader`` reads it.
    private mutating func provisionValue(depth: Int) throws(ScanRefusal) -> ConsentProvision {
        guard depth <= ConsentVersionPayload.maxProvisionDepth else { throw ScanRefusal() }
        var p = ConsentProvision()
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .actions: p.actions = try list { (c) throws(ScanRefusal) in try c.concept() }
            case .actors: p.actors = try list { (c) throws(ScanRefusal) in try c.actor() }
            case .classes: p.classes = try list { (c) throws(ScanRefusal) in try c.coding() }
            case .codes: p.codes = try list { (c) throws(ScanRefusal) in try c.concept() }
            case .data: p.data = try list { (c) throws(ScanRefusal) in try c.data() }
            case .dataPeriod: p.dataPeriod = try period()
            case .period: p.period = try period()
            case .provisions: p.provisions = try list { (c) throws(ScanRefusal) in try c.provisionValue(depth: depth + 1) }
            case .purposes: p.purposes = try list { (c) throws(ScanRefusal) in try c.coding() }
            case .securityLabels: p.securityLabels = try list { (c) throws(ScanRefusal) in try c.coding() }
            case .type:
                guard let type = ProvisionType(rawValue: try string()) else { throw ScanRefusal() }
                p.type = type
            default: throw ScanRefusal()
            }
        }
        return p
    }

    // MARK: - Building blocks (PayloadValues' rules)

    private mutating func coding() throws(ScanRefusal) -> Coding {
        var code: String?, system: String?, display: String?
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .code: code = try string()
            case .display: display = try string()
            case .system: system = try string()
            default: throw ScanRefusal()
            }
        }
        guard let code else { throw ScanRefusal() }
        return Coding(system: system, code: code, display: display)
    }

    private mutating func concept() throws(ScanRefusal) -> Concept {
        var codings: [Coding] = [], text: String?
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .codings: codings = try list { (c) throws(ScanRefusal) in try c.coding() }
            case .text: text = try string()
            default: throw ScanRefusal()
            }
        }
        guard !codings.isEmpty || text != nil else { throw ScanRefusal() }
        return Concept(codings: codings, text: text)
    }

    private mutating func actor() throws(ScanRefusal) -> ProvisionActor {
        var reference: String?, role: Concept?
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .reference: reference = try string()
            case .role: role = try concept()
            default: throw ScanRefusal()
            }
        }
        guard let reference, let role else { throw ScanRefusal() }
        return ProvisionActor(role: role, reference: reference)
    }

    private mutating func period() throws(ScanRefusal) -> ConsentPeriod {
        var start: Int64?, end: Int64?
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .end: end = try instant()
            case .start: start = try instant()
            default: throw ScanRefusal()
            }
        }
        guard start != nil || end != nil else { throw ScanRefusal() }
        if let start, let end, start > end { throw ScanRefusal() }
        return ConsentPeriod(start: start, end: end)
    }

    private mutating func data() throws(ScanRefusal) -> ProvisionData {
        var meaning: ProvisionData.Meaning?, reference: String?
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .meaning:
                guard let read = ProvisionData.Meaning(rawValue: try string()) else { throw ScanRefusal() }
                meaning = read
            case .reference: reference = try string()
            default: throw ScanRefusal()
            }
        }
        guard let meaning, let reference else { throw ScanRefusal() }
        return ProvisionData(meaning: meaning, reference: reference)
    }

    private mutating func policyReference() throws(ScanRefusal) -> PolicyReference {
        var authority: String?, uri: String?
        try open()
        var last: Range<Int>?
        while let key = try nextKey(after: &last) {
            switch keyID(key) {
            case .authority: authority = try string()
            case .uri: uri = try string()
            default: throw ScanRefusal()
            }
        }
        guard authority != nil || uri != nil else { throw ScanRefusal() }
        return PolicyReference(authority: authority, uri: uri)
    }

    /// An instant: epoch milliseconds within years 0001-9999.
    private mutating func instant() throws(ScanRefusal) -> Int64 {
        let n = try int64()
        guard n >= FHIRDateTime.minMillis, n <= FHIRDateTime.maxMillis else { throw ScanRefusal() }
        return n
    }

    /// 64 lowercase hex digits.
    private mutating func hash() throws(ScanRefusal) -> Hash32 {
        try expect(UInt8(ascii: "\""))
        guard bytes.count - at >= 65, bytes[at + 64] == UInt8(ascii: "\"") else { throw ScanRefusal() }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for word in 0..<4 {
            var value: UInt64 = 0
            for digit in 0..<16 {
                let byte = bytes[at + word * 16 + digit]
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte &- UInt8(ascii: "a") &+ 10
                default: throw ScanRefusal()
                }
                value = value << 4 | UInt64(nibble)
            }
            switch word {
            case 0: words.0 = value
            case 1: words.1 = value
            case 2: words.2 = value
            default: words.3 = value
            }
        }
        at += 65
        return Hash32(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    // MARK: - JSON, the narrow form

    /// A non-empty array, each element read by `element`.
    private mutating func list<T>(_ element: (inout PayloadCursor) throws(ScanRefusal) -> T) throws(ScanRefusal) -> [T] {
        try expect(UInt8(ascii: "["))
        var out: [T] = []
        repeat {
            out.append(try element(&self))
        } while try separator(closing: UInt8(ascii: "]"))
        return out
    }

    /// After an element: true for a comma (another follows), false for `closing`.
    private mutating func separator(closing: UInt8) throws(ScanRefusal) -> Bool {
        guard at < bytes.count else { throw ScanRefusal() }
        let byte = bytes[at]
        at += 1
        if byte == UInt8(ascii: ",") { return true }
        guard byte == closing else { throw ScanRefusal() }
        return false
    }

    private mutating func open() throws(ScanRefusal) { try expect(UInt8(ascii: "{")) }

    /// The next member name of the open object (its bytes, without quotes), its colon read;
    /// nil at the object's end. Names must come in strictly increasing byte order.
    private mutating func nextKey(after last: inout Range<Int>?) throws(ScanRefusal) -> Range<Int>? {
        if let previous = last {
            guard try separator(closing: UInt8(ascii: "}")) else { return nil }
            let key = try rawString()
            guard bytes[previous].lexicographicallyPrecedes(bytes[key]) else { throw ScanRefusal() }
            last = key
        } else {
            guard at < bytes.count else { throw ScanRefusal() }
            if bytes[at] == UInt8(ascii: "}") {
                at += 1
                return nil
            }
            last = try rawString()
        }
        try expect(UInt8(ascii: ":"))
        return last
    }

    /// A non-empty string value.
    private mutating func string() throws(ScanRefusal) -> String {
        let range = try rawString()
        guard !range.isEmpty else { throw ScanRefusal() }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The bytes of a string of printable ASCII without escapes (quotes read, not included).
    private mutating func rawString() throws(ScanRefusal) -> Range<Int> {
        try expect(UInt8(ascii: "\""))
        let start = at
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return start..<at - 1
            }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { throw ScanRefusal() }
            at += 1
        }
        throw ScanRefusal()
    }

    /// An integer written `-?(0|[1-9][0-9]*)` (not `-0`) that fits in 64 bits.
    private mutating func int64() throws(ScanRefusal) -> Int64 {
        let negative = at < bytes.count && bytes[at] == UInt8(ascii: "-")
        if negative { at += 1 }
        let start = at
        var magnitude: UInt64 = 0
        while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") {
            let (times, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(UInt64(bytes[at] - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw ScanRefusal() }
            magnitude = sum
            at += 1
        }
        let digits = at - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0"), !(negative && magnitude == 0) else { throw ScanRefusal() }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") || bytes[at] | 0x20 == UInt8(ascii: "e") { throw ScanRefusal() }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw ScanRefusal() }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw ScanRefusal() }
        return Int64(magnitude)
    }

    private mutating func expect(_ byte: UInt8) throws(ScanRefusal) {
        guard at < bytes.count, bytes[at] == byte else { throw ScanRefusal() }
        at += 1
    }

    // MARK: - Member names

    /// Every member name of the payload form (Specs/consent.md §3.3).
    private enum Key {
        case actions, actors, authority, category, classes, code, codes, codings, consentID, data, dataPeriod, dateTime
        case display, end, format, meaning, organizations, original, patient, period, policies, policyReferences, policyRule
        case provision, provisions, purposes, reference, role, scope, securityLabels, start, status, supersedes, system
        case text, type, uri, unknown
    }

    private static let names: [(StaticString, Key)] = [
        ("actions", .actions), ("actors", .actors), ("authority", .authority), ("category", .category), ("classes", .classes),
        ("code", .code), ("codes", .codes), ("codings", .codings), ("consent_id", .consentID), ("data", .data),
        ("data_period", .dataPeriod), ("date_time", .dateTime), ("display", .display), ("end", .end), ("format", .format),
        ("meaning", .meaning), ("organizations", .organizations), ("original", .original), ("patient", .patient),
        ("period", .period), ("policies", .policies), ("policy_refs", .policyReferences), ("policy_rule", .policyRule),
        ("provision", .provision), ("provisions", .provisions), ("purposes", .purposes), ("reference", .reference),
        ("role", .role), ("scope", .scope), ("security_labels", .securityLabels), ("start", .start), ("status", .status),
        ("supersedes", .supersedes), ("system", .system), ("text", .text), ("type", .type), ("uri", .uri),
    ]

    /// Which member name `range` holds (`.unknown` for any other).
    private func keyID(_ range: Range<Int>) -> Key {
        let count = range.count
        for (name, key) in Self.names where name.utf8CodeUnitCount == count {
            if UnsafeBufferPointer(start: name.utf8Start, count: count).elementsEqual(bytes[range]) { return key }
        }
        return .unknown
    }
}
