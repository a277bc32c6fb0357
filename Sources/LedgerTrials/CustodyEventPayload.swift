import LedgerCore

/// The payload of a `trial.custody` entry: one EPCIS 2.0 ObjectEvent about one lot of
/// investigational product (Specs/trials.md §3.2).
///
/// Field names follow EPCIS in snake_case; site references are CareLedger site names or
/// URIs kept as the depot's system wrote them.
public struct CustodyEventPayload: Codable, Sendable, Hashable {
    /// The entry kind that carries a custody event.
    public static let kind = "trial.custody"
    /// The payload format version written in member `format`.
    public static let formatVersion = 1
    /// The longest serial, site reference or event id accepted.
    public static let maxReferenceLength = 256
    /// The most serials one event may list.
    public static let maxSerials = 10_000
    /// The largest quantity one event may state.
    public static let maxQuantity = 1_000_000_000

    /// Always ``formatVersion``.
    public var format: Int
    /// The trial.
    public var trial: String
    /// The lot (batch) code.
    public var lot: String
    /// The EPCIS `eventID`: the event hash id (`ni:///sha-256;…?ver=CBV2.0`), kept as imported.
    public var eventId: String
    /// EPCIS `eventTime`, ms since the Unix epoch (UTC).
    public var eventTime: Int64
    /// EPCIS `eventTimeZoneOffset`, `±hh:mm`.
    public var eventTimeZoneOffset: String
    /// EPCIS `action`: `ADD`, `OBSERVE` or `DELETE`.
    public var action: String
    /// The CBV business step.
    public var bizStep: CustodyStep
    /// The CBV disposition (bare name).
    public var disposition: String
    /// EPCIS `readPoint`: the site that recorded the event.
    public var readPoint: String
    /// EPCIS `bizLocation`: where the product is after the event; nil means the read point.
    public var bizLocation: String?
    /// EPCIS `epcList`: the serialised units (SGTIN EPC URIs), sorted, no duplicates.
    public var serials: [String]?
    /// EPCIS `quantityList[0].quantity`: units of the lot not listed by serial.
    public var quantity: Int?
    /// EPCIS `sourceList` (`location`): the site product came from.
    public var source: String?
    /// EPCIS `destinationList` (`location`): the site product goes to.
    public var destination: String?
    /// The participant's pseudonym for a dispensing (64 lowercase hex digits).
    public var subject: String?

    enum CodingKeys: String, CodingKey {
        case format, trial, lot, eventId = "event_id", eventTime = "event_time", eventTimeZoneOffset = "event_time_zone_offset"
        case action, bizStep = "biz_step", disposition, readPoint = "read_point", bizLocation = "biz_location"
        case serials, quantity, source, destination, subject
    }

    /// Creates an event; `eventId` empty means "compute the event hash id" (``withEventHashID()``).
    public init(
        trial: String, lot: String, eventTime: Int64, eventTimeZoneOffset: String = "+00:00", bizStep: CustodyStep,
        readPoint: String, bizLocation: String? = nil, serials: [String] = [], quantity: Int? = nil,
        source: String? = nil, destination: String? = nil, subject: String? = nil,
        action: String? = nil, disposition: String? = nil, eventId: String = ""
    ) {
        self.format = Self.formatVersion
        self.trial = trial
        self.lot = lot
        self.eventId = eventId
        self.eventTime = eventTime
        self.eventTimeZoneOffset = eventTimeZoneOffset
        self.action = action ?? bizStep.action
        self.bizStep = bizStep
        self.disposition = disposition ?? bizStep.disposition
        self.readPoint = readPoint
        self.bizLocation = bizLocation
        let unique = Array(Set(serials)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        self.serials = unique.isEmpty ? nil : unique
        self.quantity = quantity
        self.source = source
        self.destination = destination
        self.subject = subject
    }

    /// Where the product is after the event: `bizLocation`, else the read point.
    public var location: String { bizLocation ?? readPoint }

    /// How many units the event moves: `quantity` when given, else the number of serials.
    public var units: Int { quantity ?? serials?.count ?? 0 }

    /// The same event with its `eventId` set to the event hash id when empty.
    public func withEventHashID() -> CustodyEventPayload {
        guard eventId.isEmpty else { return self }
        var copy = self
        copy.eventId = EventHashID.compute(self)
        return copy
    }

    /// Throws unless every field is within Specs/trials.md §3.2. Field names in errors are
    /// EPCIS names (`bizStep`, `quantity`, `epcList`, `eventTime`).
    /// - Throws: ``TrialError`` naming the field at fault.
    public func validate() throws(TrialError) {
        guard format == Self.formatVersion else {
            throw TrialError(.invalidValue, "unsupported format \(format) (this build reads \(Self.formatVersion))", field: "format")
        }
        try TrialIdentifier.require(trial, field: "trial")
        try TrialIdentifier.require(lot, field: "lot")
        try Self.requireReference(eventId, field: "eventID")
        guard eventTime >= RFC3339.minMillis, eventTime <= RFC3339.maxMillis else {
            throw TrialError(.invalidValue, "outside years 0001-9999", field: "eventTime")
        }
        guard Self.isOffset(eventTimeZoneOffset) else {
            throw TrialError(.invalidValue, "must be ±hh:mm", field: "eventTimeZoneOffset")
        }
        guard ["ADD", "OBSERVE", "DELETE"].contains(action) else {
            throw TrialError(.invalidValue, "must be ADD, OBSERVE or DELETE", field: "action")
        }
        try Self.requireReference(disposition, field: "disposition")
        try Self.requireReference(readPoint, field: "readPoint")
        if let bizLocation { try Self.requireReference(bizLocation, field: "bizLocation") }
        if let serials {
            guard !serials.isEmpty, serials.count <= Self.maxSerials else {
                throw TrialError(.invalidValue, "must list 1 to \(Self.maxSerials) serials", field: "epcList")
            }
            for (index, serial) in serials.enumerated() { try Self.requireReference(serial, field: "epcList[\(index)]") }
        }
        if let quantity, quantity <= 0 || quantity > Self.maxQuantity {
            throw TrialError(.invalidValue, "must be a whole number from 1 to \(Self.maxQuantity)", field: "quantity")
        }
        guard serials != nil || quantity != nil else {
            throw TrialError(.missingField, "a \(bizStep.rawValue) event needs serials (epcList) or a quantity (quantityList)", field: "quantity")
        }
        if let source { try Self.requireReference(source, field: "sourceList") }
        if let destination { try Self.requireReference(destination, field: "destinationList") }
        if bizStep.sends, destination == nil {
            throw TrialError(.missingField, "a \(bizStep.rawValue) event needs a destination", field: "destinationList")
        }
        if let subject {
            guard subject.utf8.count == 64, subject == subject.lowercased(), Hex.decode(subject) != nil else {
                throw TrialError(.invalidValue, "must be a 64-hex-digit pseudonym", field: "subject")
            }
        }
    }

    static func requireReference(_ text: String, field: String) throws(TrialError) {
        guard !text.isEmpty, text.utf8.count <= maxReferenceLength, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw TrialError(.invalidValue, "must be 1 to \(maxReferenceLength) printable ASCII characters without spaces", field: field)
        }
    }

    static func isOffset(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
              let hh = RFC3339.digits(b, at: 1, count: 2), let mm = RFC3339.digits(b, at: 4, count: 2) else { return false }
        return hh <= 14 && mm <= 59
    }

    /// The canonical payload bytes (Specs/canonical-json.md).
    public func encoded() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    /// Decodes and validates a payload, refusing any byte form but the canonical one.
    /// - Throws: ``TrialError`` naming the field at fault.
    public static func decode(_ bytes: [UInt8]) throws(TrialError) -> CustodyEventPayload {
        let payload: CustodyEventPayload
        do { payload = try CanonicalJSON.decode(CustodyEventPayload.self, from: bytes) } catch {
            throw TrialError(.malformedJSON, "not a trial.custody payload", field: "$")
        }
        try payload.validate()
        guard (try? payload.encoded()) == bytes else {
            throw TrialError(.nonCanonicalPayload, "payload is not in canonical form", field: "$")
        }
        return payload
    }
}

/// A custody event as it sits on the ledger: its payload and the entry that carries it.
public struct RecordedCustodyEvent: Sendable, Hashable {
    /// The `trial.custody` entry's id.
    public let entryId: Hash32
    /// The key of the site that signed it.
    public let author: Hash32
    /// What the entry says.
    public let payload: CustodyEventPayload

    /// Creates a recorded event.
    public init(entryId: Hash32, author: Hash32, payload: CustodyEventPayload) {
        self.entryId = entryId
        self.author = author
        self.payload = payload
    }
}
