import LedgerCore

/// One fault in a lot's chain of custody (Specs/trials.md §6.2).
public struct CustodyIncident: Sendable, Hashable {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A serial commissioned twice.
        case doubleCommission = "double_commission"
        /// A serial acted on by a site while another site held it: held at two sites at once.
        case doubleCustody = "double_custody"
        /// A serial dispensed twice.
        case doubleDispense = "double_dispense"
        /// A serial received again at the site that already held it, with no shipping between.
        case doubleReceipt = "double_receipt"
        /// An event for a serial after its dispensing or destroying (other than a second dispensing).
        case afterTerminal = "after_terminal"
        /// A receiving that matches no shipping to that site.
        case unmatchedReceiving = "unmatched_receiving"
        /// A site's on-hand units of the lot would go below zero.
        case negativeQuantity = "negative_quantity"
        /// An event at a site for a serial that is in transit and not yet received there.
        case custodyGap = "custody_gap"

        /// Whether this is a double-custody incident (a unit held, commissioned, received or
        /// dispensed twice), as opposed to a gap in the chain.
        public var isDoubleCustody: Bool {
            switch self {
            case .doubleCommission, .doubleCustody, .doubleDispense, .doubleReceipt: true
            default: false
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// The lot.
    public let lot: String
    /// The serial concerned; nil for a quantity incident.
    public let serial: String?
    /// The sites involved, sorted.
    public let sites: [String]
    /// The evidence: the earlier entry first (when there is one), then the offending entry.
    public let entries: [Hash32]

    /// Creates an incident; `sites` is sorted and de-duplicated.
    public init(kind: Kind, lot: String, serial: String?, sites: [String], entries: [Hash32]) {
        self.kind = kind
        self.lot = lot
        self.serial = serial
        self.sites = Array(Set(sites)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        self.entries = entries
    }

    /// One line naming the kind, lot, serial, sites and entry ids (Specs/trials.md §6.3).
    public var line: String {
        let unit = serial.map { "serial \($0)" } ?? "quantity"
        return "\(kind.rawValue) lot \(lot) \(unit) sites \(sites.joined(separator: ",")) entries \(entries.map(\.hex).joined(separator: ","))"
    }
}

/// The outcome of verifying one lot's chain of custody.
public struct CustodyReport: Sendable, Hashable {
    /// The lot verified.
    public let lot: String
    /// Distinct events (by event id) considered.
    public let events: Int
    /// Entries that repeat an event id already held (an idempotent re-import): not incidents.
    public let duplicates: Int
    /// The incidents, in the order the verification met them.
    public let incidents: [CustodyIncident]
    /// Units of the lot on hand at each site at the end, by site name, sorted.
    public let onHand: [SiteUnits]
    /// Each serial's last custodian or end state, sorted by serial.
    public let serials: [SerialState]

    /// Whether the chain holds: no incident.
    public var ok: Bool { incidents.isEmpty }

    /// A site and a count of units.
    public struct SiteUnits: Sendable, Hashable {
        /// The site.
        public let site: String
        /// Units on hand there.
        public let units: Int
    }

    /// Where one serial ended.
    public struct SerialState: Sendable, Hashable {
        /// The serial.
        public let serial: String
        /// `held`, `in_transit`, `dispensed` or `destroyed`.
        public let state: String
        /// The holder, the destination in transit, or the site that dispensed or destroyed it.
        public let site: String?
    }
}
