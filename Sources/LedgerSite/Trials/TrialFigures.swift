import LedgerConsent
import LedgerCore
import LedgerTrials

/// What the report's trials section shows (Specs/trials.md §9): per trial, the protocol
/// timeline, consent states per protocol version, and each lot's journey with its incidents.
/// Derived from the site's trial and consent entries, nothing else.
public struct TrialFigures: Codable, Sendable {
    /// One protocol version on the timeline.
    public struct ProtocolRow: Codable, Sendable {
        /// The version label.
        public let version: String
        /// When it came into force, RFC 3339.
        public let effective: String
        /// Whether it requires re-consent.
        public let reconsent: Bool
        /// The approval reference.
        public let approval: String?
        /// The site that added it.
        public let site: String
        /// The `trial.protocol` entry.
        public let entryId: String
        /// Whether two sites added it with different contents.
        public let conflicted: Bool
    }

    /// Participants' consent states under one protocol version.
    public struct VersionConsents: Codable, Sendable {
        /// The version they consented under (`withdrawn` rows have none: "-").
        public let version: String
        /// Participants current.
        public let current: Int
        /// Participants needing re-consent.
        public let needsReconsent: Int
        /// Participants withdrawn.
        public let withdrawn: Int
    }

    /// One custody event on a lot's journey.
    public struct JourneyEvent: Codable, Sendable {
        /// The event time, ms since the epoch.
        public let time: Int64
        /// The business step.
        public let step: String
        /// Where it happened (the location).
        public let site: String
        /// Where it went, for shipping and returning.
        public let destination: String?
        /// Units moved.
        public let units: Int
        /// The `trial.custody` entry.
        public let entryId: String
    }

    /// One incident of a lot.
    public struct IncidentRow: Codable, Sendable {
        /// The incident kind.
        public let kind: String
        /// The serial, if any.
        public let serial: String?
        /// The sites involved.
        public let sites: [String]
        /// The evidence entries.
        public let entries: [String]
    }

    /// A lot's journey across sites.
    public struct Lot: Codable, Sendable {
        /// The lot code.
        public let lot: String
        /// Its events in verify order.
        public let events: [JourneyEvent]
        /// Its incidents.
        public let incidents: [IncidentRow]
    }

    /// One trial.
    public struct Trial: Codable, Sendable {
        /// The trial id.
        public let trial: String
        /// The protocol timeline, in chain order.
        public let protocols: [ProtocolRow]
        /// Consent states per protocol version.
        public let consents: [VersionConsents]
        /// The trial's lots.
        public let lots: [Lot]
    }

    /// Every trial with a protocol version, a bound consent or a custody event.
    public let trials: [Trial]

    /// Whether there is anything to show.
    public var isEmpty: Bool { trials.isEmpty }
}

extension SiteTrials {
    /// The report's trial figures at `millis`.
    /// - Throws: only when the log cannot be read.
    public func figures(engine: ConsentEngine, at millis: Int64) throws -> TrialFigures {
        let chain = self.chain
        var ids = Set(chain.trials)
        for event in custody { ids.insert(event.payload.trial) }
        let sorted = ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var trials: [TrialFigures.Trial] = []
        for trial in sorted {
            let protocols = chain.versions(trial: trial).map { state in
                TrialFigures.ProtocolRow(
                    version: state.version, effective: RFC3339.string(fromMillis: state.current.payload.effective),
                    reconsent: state.heads.contains { $0.payload.reconsent }, approval: state.current.payload.approval,
                    site: siteName(state.current.author), entryId: state.current.entryId.hex, conflicted: state.isConflicted)
            }
            let rows = try consentReport(trial: trial, at: millis, engine: engine)
            var labels = protocols.map(\.version)
            for row in rows where !labels.contains(row.protocolVersion ?? "-") { labels.append(row.protocolVersion ?? "-") }
            let consents = labels.compactMap { label -> TrialFigures.VersionConsents? in
                let under = rows.filter { ($0.protocolVersion ?? "-") == label }
                guard !under.isEmpty || protocols.contains(where: { $0.version == label }) else { return nil }
                return TrialFigures.VersionConsents(
                    version: label, current: under.filter { $0.state == .current }.count,
                    needsReconsent: under.filter { $0.state == .needsReconsent }.count, withdrawn: under.filter { $0.state == .withdrawn }.count)
            }
            let lotNames = Set(custody.filter { $0.payload.trial == trial }.map(\.payload.lot))
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let lots = lotNames.map { lot in
                let report = verify(lot: lot)
                return TrialFigures.Lot(
                    lot: lot,
                    events: events(lot: lot).map {
                        TrialFigures.JourneyEvent(time: $0.payload.eventTime, step: $0.payload.bizStep.rawValue, site: $0.payload.location,
                                                  destination: $0.payload.destination, units: $0.payload.units, entryId: $0.entryId.hex)
                    },
                    incidents: report.incidents.map {
                        TrialFigures.IncidentRow(kind: $0.kind.rawValue, serial: $0.serial, sites: $0.sites, entries: $0.entries.map(\.hex))
                    })
            }
            trials.append(TrialFigures.Trial(trial: trial, protocols: protocols, consents: consents, lots: lots))
        }
        return TrialFigures(trials: trials)
    }
}
