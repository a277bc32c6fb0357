import Foundation

/// What one ingest did with the entries it was given.
public struct IngestReport: Sendable, Equatable {
    /// Entries newly stored in the trusted log (including released ones).
    public var imported = 0
    /// Entries this site already held (trusted or quarantined).
    public var alreadyHad = 0
    /// Entries newly put in quarantine.
    public var quarantined = 0
    /// Entries of authors that are not admitted refused because their author's quarantine
    /// quota was full, counted as `status` counts them: once per (author, sequence), so a
    /// flood offered again adds nothing (Specs/charter.md §4.1).
    public var quarantineDropped = 0
    /// Previously quarantined entries this ingest released into the trusted log.
    public var released = 0
    /// Forks this ingest revealed.
    public var forks: [ForkEvidence] = []
    /// Ids of the entries newly stored in the trusted log, in log order.
    public var storedIDs: [Hash32] = []
    /// The entries newly stored in the trusted log, in log order (for arrival statistics).
    public var storedEntries: [Entry] = []

    /// Creates an empty report.
    public init() {}
}

/// Entries decoded and their signatures verified, ready for ``SiteLedger/ingest(verified:)``.
///
/// Only ``SiteLedger/verifyForIngest(_:parallelism:)`` makes one, so an ingest of verified
/// entries still never stores an entry whose signature was not checked; the caller chooses
/// when and on which thread the checks run (a catch-up verifies the next batch while the
/// site stores this one, Specs/static-log.md §11.3).
public struct VerifiedEntries: Sendable {
    /// The entries, in the order given.
    public private(set) var entries: [Entry]
    /// Each entry's RFC 9162 leaf hash when it was decoded from ``HashedRecords`` (which
    /// computed it from the entry's bytes), else nil; as many as `entries`.
    private(set) var leafHashes: [Hash32?]

    /// No entries.
    public init() { entries = []; leafHashes = [] }

    fileprivate init(checked entries: [Entry], leafHashes: [Hash32?]) {
        precondition(entries.count == leafHashes.count, "one leaf hash (or nil) per entry")
        self.entries = entries
        self.leafHashes = leafHashes
    }

    /// How many entries.
    public var count: Int { entries.count }

    /// Appends entries verified by another call.
    public mutating func append(_ other: VerifiedEntries) {
        entries += other.entries
        leafHashes += other.leafHashes
    }

    /// Removes every entry.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        entries.removeAll(keepingCapacity: keepingCapacity)
        leafHashes.removeAll(keepingCapacity: keepingCapacity)
    }
}

extension SiteLedger {
    /// Decodes `encodedEntries` and verifies every signature, on `parallelism` threads; the
    /// site is not touched, so this may run on any thread while the site ingests something else.
    /// - Throws: `CoreError` `.badSignature` or a decoding error, naming the first bad entry.
    public static func verifyForIngest(_ encodedEntries: [[UInt8]], parallelism: Int = EntryBatch.defaultParallelism) throws -> VerifiedEntries {
        VerifiedEntries(checked: try decodeAndVerify(encodedEntries, parallelism: parallelism),
                        leafHashes: Array(repeating: nil, count: encodedEntries.count))
    }

    /// ``verifyForIngest(_:parallelism:)`` of records hashed already (a catch-up hashes each
    /// one to check it against the published tiles): each entry keeps its record's leaf hash,
    /// and ingest grows the Merkle tree with it instead of hashing the entry again. Each entry
    /// is decoded from the very bytes ``HashedRecords`` hashed, so its hash is its leaf's.
    /// - Throws: `CoreError` `.badSignature` or a decoding error, naming the first bad entry.
    public static func verifyForIngest(_ records: HashedRecords, parallelism: Int = EntryBatch.defaultParallelism) throws -> VerifiedEntries {
        VerifiedEntries(checked: try decodeAndVerify(records.records, parallelism: parallelism),
                        leafHashes: records.leaves.map { Optional($0) })
    }

    /// Ingests entries from another site (a bundle or a sync session), all or nothing.
    ///
    /// Every entry is decoded and its signature and network checked before anything is
    /// written; one bad entry rejects the whole call and changes nothing. Entries whose
    /// author is not a member at their time, or whose predecessor is missing, go to
    /// quarantine and are released when the admission or predecessor arrives.
    /// - Throws: `CoreError` `.badSignature`, `.wrongNetwork`, or a decoding error, naming the entry.
    public func ingest(_ encodedEntries: [[UInt8]]) throws -> IngestReport {
        try requireIntact()
        return try ingest(verified: Self.verifyForIngest(encodedEntries))
    }

    /// ``ingest(_:)`` of entries already decoded and verified by ``verifyForIngest(_:parallelism:)``:
    /// the network is checked, then the same all-or-nothing store.
    /// - Throws: `CoreError` `.wrongNetwork` naming the entry; the site's storage errors.
    public func ingest(verified: VerifiedEntries) throws -> IngestReport {
        try requireIntact()
        var report = IngestReport()
        let entries = verified.entries
        for entry in entries where entry.networkID != networkID {
            throw CoreError(.wrongNetwork, "entry \(entry.id.hex) belongs to network \(entry.networkID.hex), not \(networkID.hex)", entryID: entry.id)
        }
        var fresh: [Entry] = []
        // Each fresh entry's leaf hash when the caller's records came hashed (else nil): it
        // travels with its entry through the sort and the trust loop to the Merkle tree.
        var freshLeaves: [Hash32?] = []
        fresh.reserveCapacity(entries.count)
        freshLeaves.reserveCapacity(entries.count)
        var seen = Set<Hash32>(minimumCapacity: entries.count)
        for (entry, leaf) in zip(entries, verified.leafHashes) {
            let stored = try logMayHold(entry) && log.ordinal(of: entry.id) != nil
            if seen.contains(entry.id) || (!pendingQuarantine.isEmpty && pendingQuarantine[entry.id] != nil) || stored {
                report.alreadyHad += 1
                continue
            }
            seen.insert(entry.id)
            fresh.append(entry)
            freshLeaves.append(leaf)
        }
        // Charter entries first: an admission in this batch can make other entries trusted.
        // Positions are sorted, not entries (a catch-up's batch is 8,192 of them), each kind
        // read once; ids are unique here, so the order is the one sorting the entries gives.
        let keys = fresh.map { (charter: $0.kind.hasPrefix("charter."), author: $0.author, sequence: $0.sequence, id: $0.id) }
        let order = keys.indices.sorted { a, b in
            let lhs = keys[a], rhs = keys[b]
            if lhs.charter != rhs.charter { return lhs.charter }
            return (lhs.author, lhs.sequence, lhs.id) < (rhs.author, rhs.sequence, rhs.id)
        }
        fresh = order.map { fresh[$0] }
        freshLeaves = order.map { freshLeaves[$0] }
        // Derived state is updated as entries become trusted; if a write below fails it is
        // put back, so memory never claims what the disk does not hold.
        let saved = (chains, charter, clock)
        let forksBefore = Set(chains.forks.map { ForkKey(author: $0.author, sequence: $0.sequence) })
        // With nothing held in quarantine (a catch-up's every batch), every candidate is fresh:
        // no id set to build or ask, no copy of the batch.
        let heldBefore = !pendingQuarantine.isEmpty
        var candidates = heldBefore ? Array(pendingQuarantine.values.map(\.entry)) + fresh : fresh
        var candidateLeaves = heldBefore ? Array(repeating: nil, count: candidates.count - fresh.count) + freshLeaves : freshLeaves
        let freshIDs = heldBefore ? Set(fresh.map(\.id)) : []
        func isFresh(_ id: Hash32) -> Bool { !heldBefore || freshIDs.contains(id) }
        var toStore: [Entry] = []
        var toStoreLeaves: [Hash32?] = []
        toStore.reserveCapacity(candidates.count)
        toStoreLeaves.reserveCapacity(candidates.count)
        var progress = true
        // Repeat until no more entries become trusted: admissions and predecessors release others.
        while progress {
            progress = false
            var waiting: [Entry] = []
            var waitingLeaves: [Hash32?] = []
            for (entry, leaf) in zip(candidates, candidateLeaves) {
                if trustReason(for: entry) == nil {
                    toStore.append(entry)
                    toStoreLeaves.append(leaf)
                    absorb(entry)
                    progress = true
                } else {
                    waiting.append(entry)
                    waitingLeaves.append(leaf)
                }
            }
            candidates = waiting
            candidateLeaves = waitingLeaves
        }
        // Past its per-author quota, an author that is not admitted is refused, not stored
        // (Specs/charter.md §4.1): a flood is never written, nor relayed.
        let (newlyQuarantined, refused) = limitNewQuarantine(candidates.filter { isFresh($0.id) },
                                                             held: candidates.filter { !isFresh($0.id) })
        let arrivalBase = quarantineLog.count
        // Durability order: quarantine first (so nothing is lost), then the trusted log.
        do {
            if !newlyQuarantined.isEmpty {
                try quarantineLog.append(newlyQuarantined.map { ($0.id, $0.encoded) })
            }
            if !toStore.isEmpty {
                try log.append(toStore.map { ($0.id, $0.encoded) })
            }
        } catch {
            (chains, charter, clock) = saved
            throw error
        }
        if !toStore.isEmpty {
            try growMerkle(with: toStore, leaves: toStoreLeaves)
            // As after a local append (§3): the head is what snapshot readers read up to
            // (Specs/site-layout.md §8.1), so every commit to the log ends with one.
            do {
                try signTreeHead()
            } catch {
                logger.warning("tree head not written after a durable ingest: \(error)")
            }
        }
        updateIndex(afterCommitOf: toStore)
        for entry in toStore {
            if isFresh(entry.id) { report.imported += 1 } else { report.released += 1 }
            if !pendingQuarantine.isEmpty { pendingQuarantine[entry.id] = nil }
            if !quarantineDrops.arrival.isEmpty { quarantineDrops.arrival[entry.id] = nil }
        }
        report.storedIDs = toStore.map(\.id)
        report.storedEntries = toStore
        for fork in chains.forks where !forksBefore.contains(ForkKey(author: fork.author, sequence: fork.sequence)) {
            report.forks.append(ForkEvidence(author: fork.author, sequence: fork.sequence, entries: fork.entries))
        }
        for (index, entry) in newlyQuarantined.enumerated() {
            pendingQuarantine[entry.id] = QuarantinedEntry(entry: entry, reason: trustReason(for: entry) ?? .unknownAuthor)
            quarantineDrops.arrival[entry.id] = arrivalBase + index
            report.quarantined += 1
        }
        refreshQuarantineReasons()
        settleQuarantine(refused: refused)
        report.quarantineDropped = refused.reduce(0) { $0 + Int(clamping: $1.count) }
        return report
    }

    /// ``growMerkle(with:)`` given each entry's leaf hash where the caller has it (nil: hashed
    /// here). A hash comes only from ``HashedRecords``, which computed it from the bytes the
    /// entry was decoded from, so the tree is the one hashing every entry gives.
    func growMerkle(with entries: [Entry], leaves: [Hash32?]) throws {
        guard merkle.size + UInt64(entries.count) == UInt64(log.count) else { return try catchUpMerkle() }
        for (entry, leaf) in zip(entries, leaves) {
            try merkle.append(leafHash: leaf ?? MerkleHash.leaf(entry.encoded))
        }
    }

    /// Whether the trusted log can hold `entry`: only when its author's chain has reached its
    /// position. Every entry the log holds was absorbed into the chains (by this process or by
    /// the open's load and replay), so an author's next sequence is past every position of its
    /// entries in the log; an entry at or past it is new, and the look-up by id — a search of
    /// every segment's key table, a third of a catch-up's storing CPU at 10^6 entries — is
    /// skipped (Specs/static-log.md §11.3).
    func logMayHold(_ entry: Entry) -> Bool {
        entry.sequence < chains.nextSequence(of: entry.author)
    }

    struct ForkKey: Hashable {
        var author: Hash32
        var sequence: UInt64
    }

    /// Decodes and verifies a batch on every core; the first bad entry rejects the batch.
    static func decodeAndVerify(_ encoded: [[UInt8]], parallelism: Int = EntryBatch.defaultParallelism) throws -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(encoded.count)
        for (index, check) in EntryBatch.decodeAndVerify(encoded, parallelism: parallelism).enumerated() {
            switch check {
            case .valid(let entry):
                entries.append(entry)
            case .badSignature(let entry):
                throw CoreError(.badSignature, "entry \(index) (\(entry.id.hex)) has a signature that does not verify for its author \(entry.author.hex); nothing was imported", entryID: entry.id)
            case .undecodable(var error):
                error.message = "entry \(index) does not decode: \(error.message); nothing was imported"
                throw error
            }
        }
        return entries
    }

    /// Nil when `entry` can be trusted now; otherwise why not.
    func trustReason(for entry: Entry) -> QuarantineReason? {
        // A site always trusts its own entries and the genesis that founded its network.
        if entry.author != siteKey && entry.kind != CharterKind.genesis {
            switch charter.status(of: entry.author, at: entry.timestamp, sequence: entry.sequence) {
            case .member: break
            case .unknown: return .unknownAuthor
            case .revoked: return .revokedAuthor
            }
        }
        for link in entry.links where !chains.holds(link, by: entry.author) {
            return .missingPredecessor
        }
        return nil
    }

    /// Takes a trusted entry into the derived state: chains, charter, clock.
    func absorb(_ entry: Entry) {
        chains.record(entry)
        _ = clock.observe(entry.timestamp)
        absorbCharter(entry)
    }

    /// Applies a charter entry (admit, revoke, role, approval, site profile, dispute) to the
    /// charter; other kinds do nothing. The one parser is ``charterEvent(of:)``.
    func absorbCharter(_ entry: Entry) {
        if let event = Self.charterEvent(of: entry) { charter.apply(event) }
    }

    func refreshQuarantineReasons() {
        for (id, held) in pendingQuarantine {
            if let reason = trustReason(for: held.entry) { pendingQuarantine[id]?.reason = reason }
        }
    }

    /// Whether some held quarantined entry could be trusted now.
    var quarantineHasReleasable: Bool {
        pendingQuarantine.values.contains { trustReason(for: $0.entry) == nil }
    }

    func decodeStored(_ bytes: [UInt8], file: String, ordinal: Int) throws -> Entry {
        do {
            return try Entry.decode(bytes)
        } catch var error as CoreError {
            error.file = error.file ?? "\(layout.root)/\(file)"
            error.message = "record \(ordinal) of \(file): " + error.message
            throw error
        }
    }
}
