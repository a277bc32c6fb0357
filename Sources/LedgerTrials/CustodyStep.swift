/// The CBV 2.0 business steps a custody event may carry (Specs/trials.md §3.2), with the
/// action and disposition CareLedger writes for each.
public enum CustodyStep: String, Sendable, Hashable, CaseIterable, Codable {
    /// The lot or serials come into being at the recording site (a depot or manufacturer).
    case commissioning
    /// Sent from a site to another.
    case shipping
    /// Arrived at a site from a shipping.
    case receiving
    /// Given to a participant.
    case dispensing
    /// Sent back (a clinic returning unused product to the depot).
    case returning
    /// Destroyed at a site.
    case destroying

    /// The EPCIS action: `ADD` for commissioning, `DELETE` for destroying, `OBSERVE` else.
    public var action: String {
        switch self {
        case .commissioning: "ADD"
        case .destroying: "DELETE"
        default: "OBSERVE"
        }
    }

    /// The CBV disposition CareLedger writes for the step.
    public var disposition: String {
        switch self {
        case .commissioning: "active"
        case .shipping: "in_transit"
        case .receiving: "in_progress"
        case .dispensing: "dispensed"
        case .returning: "returned"
        case .destroying: "destroyed"
        }
    }

    /// Whether product leaves the site for another (shipping, returning): a destination is needed.
    public var sends: Bool { self == .shipping || self == .returning }

    /// Tie-break within one event time: commissioning, shipping, returning, receiving,
    /// dispensing, destroying (Specs/trials.md §6.1).
    var rank: Int {
        switch self {
        case .commissioning: 0
        case .shipping: 1
        case .returning: 2
        case .receiving: 3
        case .dispensing: 4
        case .destroying: 5
        }
    }

    /// Parses a CBV business step in any of its EPCIS 2.0 spellings: the bare name
    /// (`shipping`), the GS1 Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`) or the URN
    /// (`urn:epcglobal:cbv:bizstep:shipping`).
    /// - Throws: ``TrialError`` `.invalidValue` naming `field` for any other step.
    public static func parse(_ text: String, field: String = "bizStep") throws(TrialError) -> CustodyStep {
        var name = Substring(text)
        for prefix in ["https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"] where name.hasPrefix(prefix) {
            name = name.dropFirst(prefix.count)
        }
        guard let step = CustodyStep(rawValue: String(name)) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            throw TrialError(.invalidValue, "unknown CBV business step (CareLedger records \(known))", field: field)
        }
        return step
    }
}
