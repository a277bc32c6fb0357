import LedgerCore

/// The charter a published log holds about its own network, for an auditor with no site
/// (Specs/static-log.md §11.6): the genesis at leaf 0 and every charter entry of the checked
/// tree, each entry's signature already verified by the audit. It gives the witnesses default
/// in force at the checkpoint's size (Specs/charter.md §7).
struct MirrorCharter {
    private let genesis: GenesisPayload
    private var events: [NetworkCharter.Event] = []
    /// `charter.` in ASCII: every kind the charter's governance reads starts with it.
    private static let marker = Array("charter.".utf8)

    init(genesis: GenesisPayload) { self.genesis = genesis }

    /// Collects the charter events among a checked bundle's entries. An entry is decoded only
    /// when its bytes hold `charter.` (its kind does, for every charter kind), so the scan
    /// costs a byte search per entry.
    mutating func scan(_ entries: [[UInt8]]) {
        for bytes in entries where Self.holdsMarker(bytes) {
            guard let entry = try? Entry.decode(bytes), entry.kind.hasPrefix("charter."),
                  let event = SiteLedger.charterEvent(of: entry) else { continue }
            events.append(event)
        }
    }

    /// The witnesses default in force over the events scanned.
    /// - Throws: `CoreError` when the genesis does not encode (it decoded from leaf 0, so it does).
    func witnessesDefault() throws -> (witnesses: Int, amendment: Hash32?) {
        var charter = try NetworkCharter(genesis: genesis)
        charter.apply(contentsOf: events)
        return (charter.witnessesDefault, charter.witnessesAmendment?.entryID)
    }

    private static func holdsMarker(_ bytes: [UInt8]) -> Bool {
        let first = marker[0], count = marker.count
        guard bytes.count >= count else { return false }
        var index = 0
        let last = bytes.count - count
        while index <= last {
            if bytes[index] == first && bytes[index + 1] == marker[1] && bytes[(index + 2)..<(index + count)].elementsEqual(marker[2...]) {
                return true
            }
            index += 1
        }
        return false
    }
}
