import CanonicalJSON
import LedgerCore

/// EPCIS 2.0 JSON documents of ObjectEvents ⇄ custody events (Specs/trials.md §7).
///
/// Export writes an `EPCISDocument` whose events carry CareLedger's trial, lot and subject
/// as extension fields under the `careledger` JSON-LD prefix. Import reads such a document
/// from a depot's system, whole or not at all: every event is checked first, and the first
/// fault is named by its path (`epcisBody.eventList[2].eventTime`). Fields CareLedger does
/// not use (bizTransactionList, sensorElementList, other extensions) are ignored.
public enum EPCISDocument {
    /// The EPCIS 2.0 JSON-LD context.
    public static let context = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"

    // MARK: Export

    /// One ObjectEvent as a JSON value.
    public static func event(_ e: CustodyEventPayload) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("type", .string("ObjectEvent")),
            ("eventID", .string(e.eventId)),
            ("eventTime", .string(RFC3339.string(fromMillis: e.eventTime))),
            ("eventTimeZoneOffset", .string(e.eventTimeZoneOffset)),
            ("epcList", .array((e.serials ?? []).map { .string($0) })),
            ("action", .string(e.action)),
            ("bizStep", .string(e.bizStep.rawValue)),
            ("disposition", .string(e.disposition)),
            ("readPoint", .object([("id", .string(EPCISNames.siteURI(e.readPoint)))])),
        ]
        if let location = e.bizLocation { m.append(("bizLocation", .object([("id", .string(EPCISNames.siteURI(location)))]))) }
        if let quantity = e.quantity {
            m.append(("quantityList", .array([.object([
                ("epcClass", .string(EPCISNames.lotClass(trial: e.trial, lot: e.lot))), ("quantity", .number(JSONNumber(quantity))),
            ])])))
        }
        if let source = e.source {
            m.append(("sourceList", .array([.object([("type", .string("location")), ("source", .string(EPCISNames.siteURI(source)))])])))
        }
        if let destination = e.destination {
            m.append(("destinationList", .array([.object([
                ("type", .string("location")), ("destination", .string(EPCISNames.siteURI(destination))),
            ])])))
        }
        m.append(("careledger:trial", .string(e.trial)))
        m.append(("careledger:lot", .string(e.lot)))
        if let subject = e.subject { m.append(("careledger:subject", .string(subject))) }
        return .object(m)
    }

    /// An EPCISDocument holding `events`, as indented JSON bytes.
    /// - Parameter created: the document's `creationDate`, ms since the epoch.
    public static func export(_ events: [CustodyEventPayload], created: Int64) -> [UInt8] {
        JSONWriter.pretty(.object([
            ("@context", .array([.string(context), .object([(EPCISNames.extensionPrefix, .string(EPCISNames.extensionNamespace))])])),
            ("type", .string("EPCISDocument")),
            ("schemaVersion", .string("2.0")),
            ("creationDate", .string(RFC3339.string(fromMillis: created))),
            ("epcisBody", .object([("eventList", .array(events.map(event)))])),
        ]))
    }

    // MARK: Import

    /// Reads every ObjectEvent of an EPCIS 2.0 JSON document.
    /// - Parameter trial: the trial for events without a `careledger:trial` field.
    /// - Returns: the events, validated, event ids kept (computed only when absent).
    /// - Throws: ``TrialError`` naming the path of the first field at fault.
    public static func read(_ bytes: [UInt8], trial: String?) throws(TrialError) -> [CustodyEventPayload] {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch {
            throw TrialError(.malformedJSON, "not JSON (\(error.code) at byte \(error.offset.map(String.init) ?? "?"))", field: "$")
        }
        let doc = Members(root, "$")
        let type = try doc.string("type")
        guard type == "EPCISDocument" else { throw TrialError(.invalidValue, "must be EPCISDocument", field: "type") }
        if let version = try doc.optionalString("schemaVersion"), !version.hasPrefix("2.") {
            throw TrialError(.invalidValue, "must be 2.x (EPCIS 2.0)", field: "schemaVersion")
        }
        let body = Members(try doc.required("epcisBody"), "epcisBody")
        guard case .array(let list) = try body.required("eventList") else {
            throw TrialError(.invalidValue, "must be an array", field: "epcisBody.eventList")
        }
        var out: [CustodyEventPayload] = []
        for (index, value) in list.enumerated() {
            let path = "epcisBody.eventList[\(index)]"
            let event = try read(event: value, path: path, trial: trial)
            do { try event.validate() } catch { throw TrialError(error.code, error.message, field: "\(path).\(error.field)") }
            out.append(event)
        }
        return out
    }

    private static func read(event value: JSONValue, path: String, trial: String?) throws(TrialError) -> CustodyEventPayload {
        let e = Members(value, path)
        guard try e.string("type") == "ObjectEvent" else {
            throw TrialError(.invalidValue, "only ObjectEvent is supported", field: "\(path).type")
        }
        let timeText = try e.string("eventTime")
        guard let time = RFC3339.millis(from: timeText) else {
            throw TrialError(.invalidValue, "malformed eventTime: must be an RFC 3339 date-time with a zone", field: "\(path).eventTime")
        }
        let offset = try e.string("eventTimeZoneOffset")
        let step = try CustodyStep.parse(try e.string("bizStep"), field: "\(path).bizStep")
        let action = try e.string("action")
        let disposition = try e.optionalString("disposition").map(stripDisposition)
        let readPoint = try e.id("readPoint")
        let bizLocation = try e.optionalId("bizLocation")
        let serials = try e.strings("epcList")
        var quantity: Int?
        var lotFromClass: (trial: String, lot: String)?
        if case .array(let quantities)? = e.optional("quantityList") {
            guard quantities.count == 1 else {
                throw TrialError(.invalidValue, "CareLedger reads exactly one quantityList element (one lot per event)", field: "\(path).quantityList")
            }
            let q = Members(quantities[0], "\(path).quantityList[0]")
            let epcClass = try q.string("epcClass")
            guard let n = q.optional("quantity")?.int64Value, let count = Int(exactly: n) else {
                throw TrialError(.invalidValue, "must be a whole number", field: "\(path).quantityList[0].quantity")
            }
            guard count > 0 else { throw TrialError(.invalidValue, "must be positive", field: "\(path).quantityList[0].quantity") }
            quantity = count
            let parts = epcClass.split(separator: ":")
            if parts.count == 6, epcClass.hasPrefix("urn:careledger:trial:"), parts[4] == "lot" { lotFromClass = (String(parts[3]), String(parts[5])) }
        }
        let source = try e.listed("sourceList", "source")
        let destination = try e.listed("destinationList", "destination")
        guard let trialID = try e.optionalString("careledger:trial") ?? lotFromClass?.trial ?? trial else {
            throw TrialError(.missingField, "no careledger:trial field and no trial given", field: "\(path).careledger:trial")
        }
        guard let lot = try e.optionalString("careledger:lot") ?? lotFromClass?.lot else {
            throw TrialError(.missingField, "no careledger:lot field and no CareLedger lot class in quantityList", field: "\(path).careledger:lot")
        }
        let subject = try e.optionalString("careledger:subject")
        let eventID = try e.optionalString("eventID") ?? ""
        let event = CustodyEventPayload(
            trial: trialID, lot: lot, eventTime: time, eventTimeZoneOffset: offset, bizStep: step, readPoint: readPoint,
            bizLocation: bizLocation, serials: serials, quantity: quantity, source: source, destination: destination,
            subject: subject, action: action, disposition: disposition, eventId: eventID)
        return event.withEventHashID()
    }

    private static func stripDisposition(_ text: String) -> String {
        for prefix in ["https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:"] where text.hasPrefix(prefix) {
            return String(text.dropFirst(prefix.count))
        }
        return text
    }

    /// The members of one object, read by name with the path for errors.
    private struct Members {
        let path: String
        let members: [(String, JSONValue)]

        init(_ value: JSONValue, _ path: String) {
            self.path = path
            if case .object(let m) = value { members = m } else { members = [] }
        }

        func optional(_ key: String) -> JSONValue? { members.first { $0.0.utf8.elementsEqual(key.utf8) }?.1 }

        func required(_ key: String) throws(TrialError) -> JSONValue {
            guard let value = optional(key) else { throw TrialError(.missingField, "required field is missing", field: "\(path).\(key)") }
            return value
        }

        func string(_ key: String) throws(TrialError) -> String {
            guard case .string(let s) = try required(key) else { throw TrialError(.invalidValue, "must be a string", field: "\(path).\(key)") }
            return s
        }

        func optionalString(_ key: String) throws(TrialError) -> String? {
            guard let value = optional(key) else { return nil }
            guard case .string(let s) = value else { throw TrialError(.invalidValue, "must be a string", field: "\(path).\(key)") }
            return s
        }

        func strings(_ key: String) throws(TrialError) -> [String] {
            guard let value = optional(key) else { return [] }
            guard case .array(let items) = value else { throw TrialError(.invalidValue, "must be an array", field: "\(path).\(key)") }
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else { throw TrialError(.invalidValue, "must be a string", field: "\(path).\(key)[\(i)]") }
                out.append(s)
            }
            return out
        }

        /// `{ "id": URI }` → a site reference.
        func id(_ key: String) throws(TrialError) -> String {
            let inner = Members(try required(key), "\(path).\(key)")
            return EPCISNames.site(fromURI: try inner.string("id"))
        }

        func optionalId(_ key: String) throws(TrialError) -> String? {
            guard optional(key) != nil else { return nil }
            return try id(key)
        }

        /// `[{ "type": …, name: URI }]` → the one site reference (CareLedger reads one per list).
        func listed(_ key: String, _ name: String) throws(TrialError) -> String? {
            guard let value = optional(key) else { return nil }
            guard case .array(let items) = value, items.count == 1 else {
                throw TrialError(.invalidValue, "CareLedger reads exactly one element", field: "\(path).\(key)")
            }
            return EPCISNames.site(fromURI: try Members(items[0], "\(path).\(key)[0]").string(name))
        }
    }
}
