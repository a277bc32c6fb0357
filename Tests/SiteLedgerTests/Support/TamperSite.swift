import Foundation
import LedgerCore
import Testing

/// A closed founder site whose log holds entries by two authors, ready to be tampered with.
///
/// Log order: genesis, admission of clinic-b, three founder anchors, clinic-b's profile and
/// four anchors (ingested), three more founder anchors: 13 entries, with a signed tree head
/// after every write.
struct TamperSite {
    let network: TestNetwork
    /// The founder's data folder (the site under attack).
    let site: String
    /// clinic-b's data folder (an admitted member; its key can re-sign entries).
    let member: String
    /// The log's records as written (key = entry id, value = entry encoding).
    let records: [LogRewriter.Record]
    /// The same records decoded.
    let entries: [Entry]

    /// Builds the site and closes every ledger.
    static func make() throws -> TamperSite {
        let network = try TestNetwork()
        let member = try network.join("clinic-b")
        let memberKey = try Ledgers.keys(of: member).signingPublicKey
        do {
            let founder = try network.founder()
            _ = try founder.admit(AdmitPayload(key: memberKey, agreementKey: nil, name: "clinic-b", role: .clinic))
            try founder.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "a"))
            let clinic = try SiteLedger.open(at: member)
            try clinic.append(kind: "anchor", payloads: Ledgers.payloads(4, tag: "b"))
            let report = try founder.ingest(Ledgers.encodings(clinic))
            try #require(report.imported == 5 && report.quarantined == 0, "clinic-b's entries should be trusted: \(report)")
            try founder.append(kind: "anchor", payloads: Ledgers.payloads(3, tag: "c"))
        }
        let records = try LogRewriter.read(site: network.founderPath)
        let entries = try records.map { try Entry.decode($0.value) }
        try #require(entries.count == 13)
        return TamperSite(network: network, site: network.founderPath, member: member, records: records, entries: entries)
    }

    /// The ordinal of the `n`th entry (0-based) written by `author`.
    func ordinal(ofEntry n: Int, by author: Hash32) throws -> Int {
        let ordinals = entries.indices.filter { entries[$0].author == author }
        return try #require(n < ordinals.count ? ordinals[n] : nil, "author has only \(ordinals.count) entries")
    }

    /// The founder's signing key.
    var founderKey: Hash32 { entries[0].author }

    func remove() { network.remove() }
}

/// What opening and verifying a tampered site gave.
enum TamperOutcome: CustomStringConvertible {
    /// The site opened and `verify()` listed these faults.
    case reported([LedgerFault])
    /// The site did not open at all (so `careledger verify` cannot report a fault and exit 1).
    case openFailed(String)
    /// The site opened after recovery set damaged bytes aside (reported in `recoveryNotes`,
    /// with file and offset) and `verify()` found every remaining entry intact.
    case recovered([String])
    /// The site opened, recovered nothing and `verify()` found nothing: tampering went unnoticed.
    case undetected

    /// Opens the site at `path`, verifies it, and lets the ledger go (releasing its lock).
    static func check(_ path: String) -> TamperOutcome {
        do {
            let ledger = try SiteLedger.open(at: path)
            let report = ledger.verify()
            if !report.ok { return .reported(report.faults) }
            return ledger.recoveryNotes.isEmpty ? .undetected : .recovered(ledger.recoveryNotes)
        } catch {
            return .openFailed(String(describing: error))
        }
    }

    var faults: [LedgerFault] {
        if case .reported(let faults) = self { return faults }
        return []
    }

    var isUndetected: Bool {
        if case .undetected = self { return true }
        return false
    }

    var openError: String? {
        if case .openFailed(let message) = self { return message }
        return nil
    }

    /// Whether a fault names the log position `ordinal` (in its segment file) or one of `ids`.
    func names(ordinal: Int, orAnyOf ids: Set<Hash32>) -> Bool {
        faults.contains { $0.isInLog(atOrdinal: ordinal) || ($0.entryID.map(ids.contains) ?? false) }
    }

    var description: String {
        switch self {
        case .reported(let faults):
            return "reported: " + faults.map { "\($0.file)@\($0.offset)\($0.ordinal.map { " #\($0)" } ?? "") \($0.what)" }.joined(separator: " | ")
        case .openFailed(let message): return "open failed: \(message)"
        case .recovered(let notes): return "recovered: " + notes.joined(separator: " | ")
        case .undetected: return "undetected"
        }
    }
}

extension LedgerFault {
    /// Whether the fault is about log position `ordinal`, named by the segment file holding it.
    func isInLog(atOrdinal ordinal: Int) -> Bool {
        file.hasPrefix("log/segment-") && file.hasSuffix(".lz4") && self.ordinal == Int64(ordinal)
    }
}
