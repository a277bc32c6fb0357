import LedgerCore

/// The event hash id of a custody event, in the shape of CBV 2.0 §8.9: `ni:///sha-256;`
/// + hex SHA-256 of a pre-hash string + `?ver=CBV2.0` (Specs/trials.md §3.3).
///
/// The pre-hash string lists the event's fields in a fixed order, one `name=value` per
/// line, lists sorted; it is CareLedger's own rendering of the CBV canonical form, not
/// claimed byte-identical to GS1's reference implementation. Ids of imported events are
/// kept as the depot wrote them and never recomputed.
public enum EventHashID {
    /// The prefix of every id this type computes.
    public static let prefix = "ni:///sha-256;"
    /// The suffix of every id this type computes.
    public static let suffix = "?ver=CBV2.0"

    /// The pre-hash string of `event` (its `eventId` is not part of it).
    public static func preHash(_ event: CustodyEventPayload) -> String {
        var lines = [
            "eventType=ObjectEvent",
            "eventTime=\(RFC3339.string(fromMillis: event.eventTime))",
            "eventTimeZoneOffset=\(event.eventTimeZoneOffset)",
        ]
        lines += (event.serials ?? []).map { "epcList=\($0)" }
        if let quantity = event.quantity { lines.append("quantityList=\(EPCISNames.lotClass(trial: event.trial, lot: event.lot)) \(quantity)") }
        lines.append("action=\(event.action)")
        lines.append("bizStep=https://ref.gs1.org/cbv/BizStep-\(event.bizStep.rawValue)")
        lines.append("disposition=https://ref.gs1.org/cbv/Disp-\(event.disposition)")
        lines.append("readPoint=\(EPCISNames.siteURI(event.readPoint))")
        if let location = event.bizLocation { lines.append("bizLocation=\(EPCISNames.siteURI(location))") }
        if let source = event.source { lines.append("sourceList=https://ref.gs1.org/cbv/SDT-location \(EPCISNames.siteURI(source))") }
        if let destination = event.destination {
            lines.append("destinationList=https://ref.gs1.org/cbv/SDT-location \(EPCISNames.siteURI(destination))")
        }
        if let subject = event.subject { lines.append("careledger:subject=\(subject)") }
        return lines.joined(separator: "\n")
    }

    /// The event hash id of `event`.
    public static func compute(_ event: CustodyEventPayload) -> String {
        prefix + Hash32.sha256(Array(preHash(event).utf8)).hex + suffix
    }
}

/// How CareLedger names sites and lots in EPCIS documents (Specs/trials.md §7.1).
public enum EPCISNames {
    /// The URN prefix of a CareLedger site name in `readPoint`, `bizLocation`, source and destination lists.
    public static let sitePrefix = "urn:careledger:site:"
    /// The JSON-LD prefix of CareLedger's extension fields (`careledger:trial`, …).
    public static let extensionPrefix = "careledger"
    /// The namespace the prefix stands for.
    public static let extensionNamespace = "urn:careledger:epcis:"

    /// A site reference as an EPCIS URI: a bare site name gets ``sitePrefix``; a URI stays.
    public static func siteURI(_ site: String) -> String { site.contains(":") ? site : sitePrefix + site }

    /// A site reference read from EPCIS: ``sitePrefix`` is taken off; other URIs stay.
    public static func site(fromURI uri: String) -> String {
        uri.hasPrefix(sitePrefix) ? String(uri.dropFirst(sitePrefix.count)) : uri
    }

    /// The EPC class of a lot in `quantityList`.
    public static func lotClass(trial: String, lot: String) -> String { "urn:careledger:trial:\(trial):lot:\(lot)" }
}
