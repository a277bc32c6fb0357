import LedgerCore

/// Verifies a lot's chain of custody: a pure, deterministic function of the *set* of custody
/// events, so every site holding the same entries reports the same incidents in the same
/// order, whatever order the entries arrived in (Specs/trials.md §6).
public enum CustodyVerifier {
    /// Verifies the events of `lot` among `events` (others are ignored).
    public static func verify(lot: String, events: some Sequence<RecordedCustodyEvent>) -> CustodyReport {
        // 1. One event per event id: the entry with the smallest id speaks for it.
        var byEventID: [String: RecordedCustodyEvent] = [:]
        var total = 0
        for event in events where event.payload.lot == lot {
            total += 1
            if let held = byEventID[event.payload.eventId], held.entryId <= event.entryId { continue }
            byEventID[event.payload.eventId] = event
        }
        // 2. A total order every site computes alike: event time, step, entry id.
        let ordered = byEventID.values.sorted { a, b in
            let x = a.payload, y = b.payload
            if x.eventTime != y.eventTime { return x.eventTime < y.eventTime }
            if x.bizStep.rank != y.bizStep.rank { return x.bizStep.rank < y.bizStep.rank }
            return a.entryId < b.entryId
        }
        // 3. Replay.
        var state = CustodyReplay(lot: lot)
        for event in ordered { state.apply(event) }
        return CustodyReport(
            lot: lot, events: ordered.count, duplicates: total - ordered.count, incidents: state.incidents,
            onHand: state.units.keys.sorted(by: CustodyReplay.siteOrder).map { CustodyReport.SiteUnits(site: $0, units: state.units[$0] ?? 0) },
            serials: state.serials.keys.sorted(by: CustodyReplay.siteOrder).map { serial in
                state.serials[serial]?.summary(serial) ?? CustodyReport.SerialState(serial: serial, state: "held", site: nil)
            })
    }
}

/// The replay state of one lot (Specs/trials.md §6.2): per serial, who holds it; per site,
/// units on hand and units shipped to it not yet received.
struct CustodyReplay {
    struct Serial {
        var commissioned: Hash32?
        /// The site holding it and the entry that gave it custody.
        var holder: (site: String, entry: Hash32)?
        /// Shipped and not yet received: destination, origin, shipping entry.
        var transit: (to: String, from: String, entry: Hash32)?
        /// Dispensed or destroyed: the step, site and entry.
        var terminal: (step: CustodyStep, site: String, entry: Hash32)?

        func summary(_ serial: String) -> CustodyReport.SerialState {
            if let terminal { return .init(serial: serial, state: terminal.step == .dispensing ? "dispensed" : "destroyed", site: terminal.site) }
            if let transit { return .init(serial: serial, state: "in_transit", site: transit.to) }
            return .init(serial: serial, state: "held", site: holder?.site)
        }
    }

    let lot: String
    var serials: [String: Serial] = [:]
    var units: [String: Int] = [:]
    var inbound: [String: Int] = [:]
    var incidents: [CustodyIncident] = []

    static func siteOrder(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

    mutating func report(_ kind: CustodyIncident.Kind, _ serial: String?, sites: [String], entries: [Hash32]) {
        incidents.append(CustodyIncident(kind: kind, lot: lot, serial: serial, sites: sites, entries: entries))
    }

    mutating func apply(_ event: RecordedCustodyEvent) {
        let p = event.payload, here = p.location, id = event.entryId
        var applied = 0
        for serial in p.serials ?? [] where applySerial(serial, p.bizStep, here: here, destination: p.destination, entry: id) { applied += 1 }
        // A serial refused outright (a second dispensing, say) moves no unit: counting it would
        // report the same fault again as a negative quantity.
        applyUnits(p, count: p.quantity ?? applied, here: here, entry: id)
    }

    /// Applies one serial's rule; false when the event's effect on it was refused.
    private mutating func applySerial(_ serial: String, _ step: CustodyStep, here: String, destination: String?, entry: Hash32) -> Bool {
        var s = serials[serial] ?? Serial()
        defer { serials[serial] = s }
        if step == .commissioning {
            if let first = s.commissioned {
                report(.doubleCommission, serial, sites: [s.holder?.site ?? here, here], entries: [first, entry])
                return false
            }
            s.commissioned = entry
            s.holder = (here, entry)
            return true
        }
        if let terminal = s.terminal {
            let kind: CustodyIncident.Kind = step == .dispensing && terminal.step == .dispensing ? .doubleDispense : .afterTerminal
            report(kind, serial, sites: [terminal.site, here], entries: [terminal.entry, entry])
            return false
        }
        // Who may act on the serial here: its holder; a site it is in transit to may only receive it.
        if step == .receiving {
            if let transit = s.transit {
                guard transit.to == here else {
                    report(.unmatchedReceiving, serial, sites: [transit.to, here], entries: [transit.entry, entry])
                    return false
                }
                s.transit = nil
                s.holder = (here, entry)
                return true
            }
            if let holder = s.holder {
                report(holder.site == here ? .doubleReceipt : .doubleCustody, serial, sites: [holder.site, here], entries: [holder.entry, entry])
                return false
            }
            report(.unmatchedReceiving, serial, sites: [here], entries: [entry])
            s.holder = (here, entry)
            return true
        }
        if let transit = s.transit {
            report(.custodyGap, serial, sites: [transit.from, transit.to, here], entries: [transit.entry, entry])
        } else if let holder = s.holder, holder.site != here {
            report(.doubleCustody, serial, sites: [holder.site, here], entries: [holder.entry, entry])
        }
        switch step {
        case .shipping, .returning:
            s.transit = (destination ?? here, here, entry)
            s.holder = nil
        case .dispensing, .destroying:
            s.terminal = (step, here, entry)
            s.transit = nil
            s.holder = nil
        case .commissioning, .receiving:
            break
        }
        return true
    }

    private mutating func applyUnits(_ p: CustodyEventPayload, count: Int, here: String, entry: Hash32) {
        guard count > 0 else { return }
        switch p.bizStep {
        case .commissioning:
            units[here, default: 0] += count
        case .receiving:
            let expected = inbound[here, default: 0]
            if expected < count {
                // Serial receivings were already judged serial by serial; only a quantity receiving is judged here.
                if p.serials == nil { report(.unmatchedReceiving, nil, sites: [here], entries: [entry]) }
                inbound[here] = 0
            } else {
                inbound[here] = expected - count
            }
            units[here, default: 0] += count
        case .shipping, .returning, .dispensing, .destroying:
            let left = units[here, default: 0] - count
            if left < 0 { report(.negativeQuantity, nil, sites: [here], entries: [entry]) }
            units[here] = max(left, 0)
            if p.bizStep.sends, let destination = p.destination { inbound[destination, default: 0] += count }
        }
    }
}
