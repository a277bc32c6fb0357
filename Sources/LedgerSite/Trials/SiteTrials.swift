import Foundation
import LedgerCore
import LedgerTrials

/// Clinical-trial records at one site: protocol versions and custody events, read from the
/// ledger and appended to it (Specs/trials.md).
///
/// Holds the site's trial entries as they were when this value was made, plus what this value
/// wrote; make a new one to see what arrived since.
public struct SiteTrials {
    /// The site; its ledger gets the entries this value writes.
    public let ledger: SiteLedger
    /// Every trusted `trial.protocol` entry that decodes.
    public private(set) var protocols: [RecordedProtocolVersion] = []
    /// Every trusted `trial.custody` entry that decodes.
    public private(set) var custody: [RecordedCustodyEvent] = []
    /// Ids of trial entries left out because their payload does not decode.
    public private(set) var skipped: [Hash32] = []

    /// Reads the site's trial entries.
    /// - Throws: only when the log cannot be read.
    public init(_ ledger: SiteLedger) throws {
        self.ledger = ledger
        var protocols: [RecordedProtocolVersion] = [], custody: [RecordedCustodyEvent] = [], skipped: [Hash32] = []
        try ledger.forEachEntry(ofKinds: [ProtocolVersionPayload.kind, CustodyEventPayload.kind]) { _, entry in
            switch entry.kind {
            case ProtocolVersionPayload.kind:
                if let payload = try? ProtocolVersionPayload.decode(entry.payload) {
                    protocols.append(RecordedProtocolVersion(entryId: entry.id, author: entry.author, time: entry.timestamp, payload: payload))
                } else { skipped.append(entry.id) }
            case CustodyEventPayload.kind:
                if let payload = try? CustodyEventPayload.decode(entry.payload) {
                    custody.append(RecordedCustodyEvent(entryId: entry.id, author: entry.author, payload: payload))
                } else { skipped.append(entry.id) }
            default:
                break
            }
        }
        self.protocols = protocols
        self.custody = custody
        self.skipped = skipped
    }

    /// What to tell people about trial entries left out (empty when none were).
    public var warnings: [String] {
        guard let first = skipped.first else { return [] }
        return ["\(skipped.count) trial entr\(skipped.count == 1 ? "y does" : "ies do") not decode as this build reads them (first: \(first.hex)); kept on the ledger and ignored"]
    }

    /// The protocol chains of every trial this site holds.
    public var chain: ProtocolChain { ProtocolChain(protocols) }

    /// The name of the site that wrote an entry, or its key in hex when it is not a member.
    public func siteName(_ key: Hash32) -> String { ledger.charter.members[key]?.name ?? key.hex }

    // MARK: Protocol versions

    /// A protocol version added: its `trial.protocol` entry and the `anchor` entry that lets
    /// `attest` prove a document is this version.
    public struct AddedProtocol: Sendable {
        /// The `trial.protocol` entry.
        public let entry: Entry
        /// The `anchor` entry (system `urn:careledger:trial:ID`, type `TrialProtocol`).
        public let anchor: Entry?
        /// Whether the same version with the same content was already held (nothing written).
        public let alreadyHeld: Bool
    }

    /// Adds a protocol version: anchors the document's SHA-256 (never the document) with the
    /// approval reference and the re-consent flag (Specs/trials.md §4.1).
    ///
    /// Adding a label again with the same content writes nothing; with other content it is
    /// refused here (a conflict arises only when two sites add it while apart).
    /// - Throws: ``SiteError`` `.invalidRequest` naming the field at fault; nothing is written then.
    public mutating func addProtocol(
        trial: String, version: String, document: [UInt8], effective: Int64, approval: String?, reconsent: Bool
    ) throws -> AddedProtocol {
        let payload = ProtocolVersionPayload(
            trial: trial, version: version, sha256: AnchorPayload.digest(document), size: document.count,
            effective: effective, approval: approval, reconsent: reconsent)
        do { try payload.validate() } catch { throw SiteError(.invalidRequest, "\(error.description); nothing was written", underlying: error) }
        if let held = chain.version(trial: trial, label: version) {
            if let same = held.entries.first(where: { $0.payload == payload }) {
                let entry = try ledger.entry(id: same.entryId)
                if let entry { return AddedProtocol(entry: entry, anchor: nil, alreadyHeld: true) }
            }
            throw SiteError(.invalidRequest, "version \(version) of trial \(trial) is already on the ledger with other content (entry \(held.current.entryId.hex)); add it under a new version label; nothing was written")
        }
        let written = try ledger.append(kind: ProtocolVersionPayload.kind, payloads: [try payload.encoded()])
        guard let entry = written.first else { throw SiteError(.unusableSite, "the trial.protocol entry was not written") }
        protocols.append(RecordedProtocolVersion(entryId: entry.id, author: entry.author, time: entry.timestamp, payload: payload))
        let anchor = try ledger.anchor(AnchorPayload(
            sha256: payload.sha256, size: payload.size, system: "urn:careledger:trial:\(trial)", type: "TrialProtocol",
            id: trial, version: version))
        return AddedProtocol(entry: entry, anchor: anchor, alreadyHeld: false)
    }

    /// Reads a protocol document from a file and adds it (see ``addProtocol(trial:version:document:effective:approval:reconsent:)``).
    /// - Throws: ``SiteError`` `.unreadableInput` when the file cannot be read.
    public mutating func addProtocol(
        trial: String, version: String, file: String, effective: Int64, approval: String?, reconsent: Bool
    ) throws -> AddedProtocol {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SiteError(.unreadableInput, "cannot read \(file): no such file or not readable; nothing was written", path: file)
        }
        return try addProtocol(trial: trial, version: version, document: Array(data), effective: effective, approval: approval, reconsent: reconsent)
    }

    /// The protocol versions whose document is exactly `document` (same SHA-256), in chain
    /// order: the answer to "is this PDF version V of the trial?".
    public func protocolVersions(matching document: [UInt8]) -> [RecordedProtocolVersion] {
        let digest = AnchorPayload.digest(document)
        let chain = self.chain
        return chain.trials.flatMap { chain.versions(trial: $0) }.flatMap(\.heads).filter { $0.payload.sha256 == digest }
    }

    // MARK: Custody

    /// A custody event recorded: its entry, or the entry already holding its event id.
    public struct RecordedEvent: Sendable {
        /// The entry carrying the event.
        public let entryId: Hash32
        /// The event hash id.
        public let eventId: String
        /// Whether an entry with this event id was already held (nothing written).
        public let alreadyHeld: Bool
    }

    /// Records custody events as `trial.custody` entries: all or none, each validated first;
    /// an event whose event id this site already holds is not written again (idempotent).
    /// - Throws: ``SiteError`` `.invalidRequest` naming the event and field at fault; nothing is written then.
    public mutating func record(_ events: [CustodyEventPayload], source: String? = nil) throws -> [RecordedEvent] {
        var held: [String: Hash32] = [:]
        for event in custody { held[event.payload.eventId] = min(held[event.payload.eventId] ?? event.entryId, event.entryId) }
        var toWrite: [CustodyEventPayload] = [], payloads: [[UInt8]] = []
        var plan: [(eventId: String, existing: Hash32?)] = []
        for (index, raw) in events.enumerated() {
            let event = raw.withEventHashID()
            do { try event.validate() } catch {
                let at = events.count > 1 ? "event \(index): " : ""
                throw SiteError(.invalidRequest, "\((source.map { "\($0): " } ?? ""))\(at)\(error.description); nothing was written", path: source, underlying: error)
            }
            if let existing = held[event.eventId] {
                plan.append((event.eventId, existing))
            } else if toWrite.contains(where: { $0.eventId == event.eventId }) {
                plan.append((event.eventId, nil))
            } else {
                toWrite.append(event)
                payloads.append(try event.encoded())
                plan.append((event.eventId, nil))
            }
        }
        let written = try ledger.append(kind: CustodyEventPayload.kind, payloads: payloads)
        var fresh: [String: Hash32] = [:]
        for (event, entry) in zip(toWrite, written) {
            fresh[event.eventId] = entry.id
            custody.append(RecordedCustodyEvent(entryId: entry.id, author: entry.author, payload: event))
        }
        return plan.compactMap { item in
            if let existing = item.existing { return RecordedEvent(entryId: existing, eventId: item.eventId, alreadyHeld: true) }
            return fresh[item.eventId].map { RecordedEvent(entryId: $0, eventId: item.eventId, alreadyHeld: false) }
        }
    }

    /// Verifies a lot's chain of custody over every custody entry this site holds.
    public func verify(lot: String) -> CustodyReport {
        CustodyVerifier.verify(lot: lot, events: custody)
    }

    /// The custody events of a lot, each once (by event id, smallest entry id), in the verify order.
    public func events(lot: String) -> [RecordedCustodyEvent] {
        var byEventID: [String: RecordedCustodyEvent] = [:]
        for event in custody where event.payload.lot == lot {
            if let held = byEventID[event.payload.eventId], held.entryId <= event.entryId { continue }
            byEventID[event.payload.eventId] = event
        }
        return byEventID.values.sorted { ($0.payload.eventTime, $0.entryId) < ($1.payload.eventTime, $1.entryId) }
    }
}

extension SiteTrials {
    /// Imports an EPCIS 2.0 JSON document of ObjectEvents from a file: every event or none;
    /// events whose event id is already held are not written again (Specs/trials.md §7.2).
    /// - Parameter trial: the trial for events that do not name one.
    /// - Throws: ``SiteError`` `.unreadableInput` for a file that cannot be read,
    ///   `.invalidRequest` naming the file and the field at fault; nothing is written then.
    public mutating func importEPCIS(file: String, trial: String?) throws -> [RecordedEvent] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SiteError(.unreadableInput, "cannot read \(file): no such file or not readable; nothing was imported", path: file)
        }
        let events: [CustodyEventPayload]
        do { events = try EPCISDocument.read(Array(data), trial: trial) } catch {
            throw SiteError(.invalidRequest, "\(file): \(error.description); nothing was imported", path: file, underlying: error)
        }
        return try record(events, source: file)
    }

    /// A lot's custody events as an EPCIS 2.0 JSON document (indented bytes).
    public func exportEPCIS(lot: String, created: Int64) -> [UInt8] {
        EPCISDocument.export(events(lot: lot).map(\.payload), created: created)
    }
}
